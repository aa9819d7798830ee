"""Getting referrals to providers: the outbox, the mail, the SMTP transport, the worker."""
