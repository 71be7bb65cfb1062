"""hackcity: open-data challenges and hackathons, Data City style."""

__version__ = "0.1.0"
