"""The rules of hackcity: plain async functions that know nothing of HTTP."""
