"""The ServiceAccounts controller: every namespace has its ``default`` ServiceAccount."""
