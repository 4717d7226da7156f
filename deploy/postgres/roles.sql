-- medrec's two database roles and its database, for PostgreSQL 14+.
--
--   owner  owns the database, its public schema and (through the migrations, which run as
--          it) every table, trigger and function. Only migrations log in as it.
--   app    what the app's DATABASE_URL names: reads and writes rows, owns nothing, so it
--          cannot drop or disable the triggers that keep audit_events append-only, nor
--          alter or drop any table.
--
-- Run as a superuser (or a role with CREATEROLE and CREATEDB), connected to any database:
--   psql "postgresql://postgres@db.example.org/postgres" \
--     -v owner=medrec_owner -v app=medrec_app -v database=medrec -f deploy/postgres/roles.sql
-- then set the passwords without putting them on a command line or in the server log:
--   psql ... -c '\password medrec_owner'    and    psql ... -c '\password medrec_app'
-- Safe to run again: existing roles and the database are kept, the grants re-applied.

\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec

-- Nobody but the two roles connects; nobody but the owner creates objects.
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app";

\connect :"database"

ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- Rows only: tables and sequences the owner creates later (every migration) and those
-- that exist already (when this is run again after migrating).
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE ON SEQUENCES TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO :"app";
