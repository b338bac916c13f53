"""Grants: what happens after a granting vedtak. The tilsagn and its acceptance, payment
requests and payments, the final report, clawback (recovery) and repayments, and the
exports to Registeret for offentlig støtte and KDD (LAW.md §4 E–K). Builds on the
decisions domain: a grant is made when its vedtak's letter is sent."""
