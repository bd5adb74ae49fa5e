"""Who may see and do what: the roles' visibility of cases (visibility.cases_visible_to), the
predicates on what each role may do (permissions), two-factor sign-in and re-confirmation before
serious actions (twofactor). The `policies` app uses these public names and nothing else of
incidents but get_user_model()."""
