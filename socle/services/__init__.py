"""National services (INSi, DMP, MSSanté, Pro Santé Connect): each has a real client written to its published
specification, a local stand-in speaking the same protocol, and one interface; configuration picks one."""
