"""Medical records: everything that reads or writes one, in one package.

- ``scope``: the one clinic-scoped record query, the row lock that reads fresh, the
  appointment lookup every record function starts from.
- ``create``: the one create path (editor's first opening, REST, importer, demo).
- ``editing``: the editor's open and save path, and the REST draft update, which share
  one write step.
- ``documents``: a record in the REST API's response shape.
- ``files``: a record's background and attachments.
- ``template_choice``: another template for a record that is still empty.
"""
