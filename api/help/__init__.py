"""The public help center: server-rendered pages under /help, their SEO files, and their theme."""
