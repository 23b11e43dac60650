"""Release records: who ticked which checklist item of a release, when, with what evidence."""
