"""Write the extract of ms_alchemyinsights the importer tests read: the articles they lay out.

Run from the repository root with the shared data sets beside it (the tests never run it):
`python tests/importers/data/real/extract.py`.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[4] / "shared" / "datasets" / "ms_alchemyinsights"
#: The articles the tests use (tests/importers/docs_sites.py, test_html_faq_import.py).
IDS = frozenset(
    (
        "1-1-call-recording",
        "401-unauthorized-error-sharepoint",
        "403-forbidden-error-onedrive-sharepoint",
        "451-470-temporary-server-error",
        "5-1-90-your-message-cant-be-sent-daily-limit",
        "5-7-750-service-unavailable-client-blocked-from-sending-from-unregistered-d",
        "8000079-outlook-com-linkedin",
        "About-identity-in-yammer",
        "Alchemy-Insight-Template",
        "Change-your-password-in-Outlook.com",
        "Excel-crashing",
        "Remove-domain",
        "add-budget-disabled",
        "adfs-federation-certificate-expiring",
        "already-paid",
        "are-you-getting-too-much-spam-or-phish-in-your-mailbox",
        "bypass-spam-filters",
        "can-t-sign-in-to-hotmail-or-outlook-com",
        "cancel-office-365-subscription",
        "canceling-your-office-365-subscription",
        "canceling-your-office-365-subscription-0",
        "canceling-your-office-365-subscription-1",
        "canceling-your-office-365-subscription-2",
        "change-my-microsoft-account-info",
        "change-payment-method",
        "common-issues-and-resolutions-for-adfs",
        "fix-windows-update-errors",
        "manage-auto-renewal",
        "microsoft-defender-for-endpoint-advisor",
        "products-and-services",
        "reactivate-your-subscription",
    )
)


def main() -> None:
    """Copy the lines of the articles in IDS, in the order the data set has them."""
    import json

    for name in ("ru-RU.jsonl", "bg-BG.jsonl"):
        with (SHARED / name).open(encoding="utf-8") as source:
            kept = [line for line in source if json.loads(line)["id"] in IDS]
        (HERE / "ms_alchemyinsights" / name).write_text("".join(kept), encoding="utf-8")


if __name__ == "__main__":
    main()
