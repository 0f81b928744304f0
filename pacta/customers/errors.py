"""Errors of customers, contacts and sites."""

from pacta.domain.errors import Conflict, InvalidInput


class CustomerHierarchyInvalid(InvalidInput):
    code = "customer_hierarchy_invalid"


class SiteInUse(Conflict):
    code = "site_in_use"
