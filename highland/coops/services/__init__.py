"""Cooperative business actions, one module per part (rules, members, excel, intake, …).

Import from the submodule (`from highland.coops.services.rules import grade_for`): this
package re-exports nothing, so parts added by others never clash here.
"""
