"""Drives hubagent-mock with the unmodified Azure SDK for Python (Debian python3-azure):
azure-identity authenticates (client secret, then certificate), azure-mgmt-costmanagement
creates, reads, runs and deletes an export. Exit 0 only if every step behaved."""
import inspect
import os
import time

from azure.identity import CertificateCredential, ClientSecretCredential
from azure.mgmt.costmanagement import CostManagementClient
from azure.mgmt.costmanagement import models

login = os.environ["MOCK_LOGIN"]
arm = os.environ["MOCK_ARM"]
tenant = os.environ["MOCK_TENANT"]
client_id = os.environ["MOCK_CLIENT_ID"]
secret = os.environ["MOCK_CLIENT_SECRET"]
cert_path = os.environ["MOCK_CERT_PATH"]
scope = os.environ["MOCK_SCOPE"]
storage = os.environ["MOCK_STORAGE_ID"]


def credential(kind):
    # Skip instance discovery (a call to login.microsoftonline.com): azure-identity >= 1.13
    # names the option disable_instance_discovery, the 1.13 betas instance_discovery.
    from azure.identity._internal.msal_credentials import MsalCredential
    params = inspect.signature(MsalCredential.__init__).parameters
    options = {"authority": login}
    if "disable_instance_discovery" in params:
        options["disable_instance_discovery"] = True
    elif "instance_discovery" in params:
        options["instance_discovery"] = False
    if kind == "secret":
        return ClientSecretCredential(tenant, client_id, secret, **options)
    return CertificateCredential(tenant, client_id, cert_path, **options)


def roundtrip(cred, name):
    client = CostManagementClient(cred, base_url=arm)
    export = models.Export(
        format="Csv",
        delivery_info=models.ExportDeliveryInfo(
            destination=models.ExportDeliveryDestination(
                resource_id=storage, container="msexports", root_folder_path="sdk")),
        definition=models.ExportDefinition(
            type="ActualCost", timeframe="MonthToDate",
            data_set=models.ExportDataset(granularity="Daily")),
        schedule=models.ExportSchedule(status="Inactive"))
    created = client.exports.create_or_update(scope, name, export)
    assert created.name == name, created.name
    assert created.e_tag, "no eTag"
    got = client.exports.get(scope, name, expand="runHistory")
    assert got.definition.type == "ActualCost", got.definition.type
    # Update with the eTag from the last read.
    got.definition.timeframe = "TheLastMonth"
    updated = client.exports.create_or_update(scope, name, got)
    assert updated.definition.timeframe == "TheLastMonth"
    listed = client.exports.list(scope)
    assert any(e.name == name for e in listed.value), "not listed"
    client.exports.execute(scope, name)
    for _ in range(200):
        history = client.exports.get_execution_history(scope, name)
        if history.value and history.value[0].status not in ("Queued", "InProgress"):
            break
        time.sleep(0.05)
    run = history.value[0]
    assert run.status == "Completed", run.status
    assert run.submitted_time is not None and run.processing_end_time is not None
    client.exports.delete(scope, name)
    try:
        client.exports.get(scope, name)
        raise AssertionError("export still there after delete")
    except Exception as error:  # ResourceNotFoundError
        assert "NotFound" in str(error) or "404" in str(error), error


roundtrip(credential("secret"), "python-sdk-secret")
roundtrip(credential("certificate"), "python-sdk-certificate")
print("python sdk roundtrip ok")
