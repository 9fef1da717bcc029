"""The government services API: the catalogue (``egov``) and the applications (``applications``)."""
