"""Programme-data service of the bassin minier assistant: the single owner of programme data and rules."""
