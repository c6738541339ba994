"""The demo: invented local news sites on 127.0.0.1, crawled in one command."""
