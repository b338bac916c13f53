"""The applicant's journey: draft, plan fit, budget, attachments, submission, receipt."""
