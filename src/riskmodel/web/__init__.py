"""The office workbench: Chinese, server-rendered pages for county and township offices.

本周名单 (``/``), 户详情 and 走访记录 (``/households/{id}``), 概览 (``/overview``), beside the API
in the same app (``mount_pages``). Users sign in (``riskmodel users create``); the pages read
what the weekly run stored, the list policy's output as it is, never a rule of their own.
"""

from riskmodel.web.routes import mount_pages

__all__ = ["mount_pages"]
