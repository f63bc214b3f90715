#!/usr/bin/env python3
"""keywarden's local AWS emulator: moto 5.2.1's server app plus a few test-only endpoints.

Usage:  python3 launcher.py [PORT] [--exit-with-parent] [--verbose]
  PORT 0 (the default) picks a free port. Binds 127.0.0.1 only. Prints `MOTO_PORT=<n>` on stdout
  once the socket is listening. `--exit-with-parent` exits when stdin reaches EOF (see below).

Why a launcher rather than plain `moto_server`: the test-only endpoints must run in the same
process as moto so that they can reach moto's in-memory backends directly (seeding 5,000 users
over the IAM API takes ~40 s; in-process it takes well under a second), and a few behaviours of
stock moto differ from AWS in ways keywarden's audit depends on (credential report, root account,
inactive keys, AWS managed policies in GetAccountAuthorizationDetails, CloudTrail LookupEvents, EventBridge rules with a Lambda target, the responder's
CloudFormation resources). Those are patched here, in one place, with the reason.

Test-only endpoints (JSON in, JSON out; errors are HTTP 400 with {"error": "..."}):
  GET  /_test/health                 -> {"ok": true, "moto": "<version>"}
  POST /_test/reset                  reset moto (like /moto-api/reset) and this launcher's state
  POST /_test/iam/bulk               create users, keys, passwords, MFA directly in the backend
  POST /_test/iam/root               describe the root user (keys, MFA) for summary/report/MFA list
  POST /_test/iam/backdate           set dates and last use on an existing user / access key
  POST /_test/iam/credential-report  drive the credential report snapshot (expire, in progress...)
  POST /_test/cloudtrail/events      replace the events that CloudTrail LookupEvents answers from
  POST /_test/iam/mfa                MFA-protected API access on/off, and the GetSessionToken calls seen
  POST /_test/iam/managed-policies   add AWSCompromisedKeyQuarantineV4 / remove AWS managed policies
  POST /_test/athena/outcomes        how the next Athena queries end (state, reason, bytes scanned, polls)
The exact JSON shapes are documented on each handler below.
"""

import argparse
import base64
import copy
import datetime
import json
import logging
import os
import random
import re
import string
import sys
import threading
import time

# AWS managed policies (e.g. AWSCompromisedKeyQuarantineV3, AdministratorAccess) only exist in moto
# when this is set before moto is imported. keywarden's containment and the permission tests need
# them. setdefault: a caller may still turn it off on purpose (it makes resets slower).
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

INSTALL_HINT = 'install it with: pip install "moto[server]==5.2.1"'
EXPECTED_MOTO = "5.2.1"

try:
    import moto
except ImportError:
    # One line, stable wording: src/emulator/process.ts recognises it (with exit code 3) and turns
    # it into an EnvironmentError the CLI can explain.
    print(f"keywarden emulator: python3 module moto is missing; {INSTALL_HINT}", file=sys.stderr)
    sys.exit(3)

try:
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
except ImportError as err:  # moto without its [server] extra (flask, flask-cors)
    print(
        f"keywarden emulator: python3 module moto is missing its server extra ({err}); {INSTALL_HINT}",
        file=sys.stderr,
    )
    sys.exit(3)

from botocore.credentials import Credentials
from moto.core.exceptions import AccessDeniedError
from moto.core.utils import utcnow
from moto.iam import access_control
from moto.iam import models as iam_models
from moto.iam import exceptions as iam_exceptions
from moto.iam.exceptions import IAMException
from moto.iam.models import (
    IAMBackend,
    AccessKeyLastUsed,
    MFADevice,
    VirtualMfaDevice,
    iam_backends,
)
from moto.iam.responses import IamResponse
from moto import settings
from moto.core.responses import ActionAuthenticatorMixin, ActionResult
from moto.moto_api._internal.models import moto_api_backend
from moto.sts.exceptions import STSValidationError
from moto.sts.models import STSBackend
from moto.sts.responses import TokenResponse
from moto.sts.utils import random_session_token

DEFAULT_ACCOUNT = "123456789012"
PARTITION = "aws"
# How long a credential report stays current: IAM regenerates only when the last one is older.
REPORT_MAX_AGE = datetime.timedelta(hours=4)
REPORT_COLUMNS = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
# moto keeps every date as a naive datetime in UTC; the report prints them the way IAM does.
REPORT_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


class BadRequest(Exception):
    """A malformed test-endpoint request: answered as HTTP 400 with the message."""


def parse_dt(value, field):
    """ISO 8601 string -> naive UTC datetime (moto's convention)."""
    if not isinstance(value, str):
        raise BadRequest(f"{field}: expected an ISO 8601 date string, got {value!r}")
    try:
        d = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{field}: not an ISO 8601 date: {value!r}") from None
    if d.tzinfo is not None:
        d = d.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return d


def report_date(d):
    return d.strftime(REPORT_DATE_FORMAT) if d is not None else "N/A"


def iam_backend(account_id):
    if not (isinstance(account_id, str) and len(account_id) == 12 and account_id.isdigit()):
        raise BadRequest(f"account_id must be 12 digits, got {account_id!r}")
    return iam_backends[account_id][PARTITION]


class LauncherState:
    """What this launcher adds to one account's IAM backend.

    It lives as an attribute on moto's IAMBackend object on purpose: moto's reset (either
    /moto-api/reset or /_test/reset) discards the backend objects, so this state is reset with
    moto's own, whichever reset endpoint a test uses.
    """

    def __init__(self):
        self.root = None  # dict set by /_test/iam/root, None = stock moto (no root row)
        self.report_content = None  # the credential report snapshot (CSV text) ...
        self.report_generated_at = None  # ... and when it was taken (naive UTC)
        self.report_expired = False  # the snapshot was expired: GetCredentialReport -> ReportExpired
        self.in_progress_polls = 0  # next N GetCredentialReport calls answer ReportInProgress
        self.lock = threading.Lock()


def state_of(backend):
    st = backend.__dict__.get("_keywarden")
    if st is None:
        st = backend.__dict__.setdefault("_keywarden", LauncherState())
    return st


# ---------------------------------------------------------------------------------------------
# POST /_test/iam/bulk
# ---------------------------------------------------------------------------------------------
# {"account_id"?: "123456789012",
#  "users": [{"name": str, "path"?: "/", "tags"?: {k: v}, "create_date"?: ISO,
#             "password"?: {"last_used"?: ISO|null, "last_changed"?: ISO} | null,
#             "mfa"?: "virtual"|"hardware"|null,
#             "access_keys"?: [{"status"?: "Active"|"Inactive", "create_date"?: ISO,
#                               "last_used"?: {"date": ISO, "service"?: "s3", "region"?: "us-east-1"}|null}]}]}
# -> {"users": [{"name", "arn", "access_keys": [{"access_key_id", "secret_access_key"}]}],
#     "elapsed_ms": <server time spent creating>}
# The whole request is validated before anything is created, so a bad spec leaves no half-seeded
# account behind.

KEY_STATUSES = ("Active", "Inactive")
MFA_KINDS = (None, "virtual", "hardware")


def _validate_bulk(backend, users):
    if not isinstance(users, list):
        raise BadRequest("users must be a list")
    seen = set()
    plan = []
    for i, u in enumerate(users):
        where = f"users[{i}]"
        if not isinstance(u, dict) or not isinstance(u.get("name"), str) or not u["name"]:
            raise BadRequest(f"{where}: name (string) is required")
        name = u["name"]
        if name in seen or name in backend.users:
            raise BadRequest(f"{where}: user {name} already exists")
        seen.add(name)
        path = u.get("path") or "/"
        if not (path.startswith("/") and path.endswith("/")):
            raise BadRequest(f"{where}: path must begin and end with /")
        tags = u.get("tags") or {}
        if not isinstance(tags, dict):
            raise BadRequest(f"{where}: tags must be an object of key -> value")
        create_date = parse_dt(u["create_date"], f"{where}.create_date") if u.get("create_date") else None
        password = u.get("password")
        pw = None
        if password is not None:
            if not isinstance(password, dict):
                raise BadRequest(f"{where}.password must be an object or null")
            lu = password.get("last_used")
            lc = password.get("last_changed")
            pw = {
                "last_used": parse_dt(lu, f"{where}.password.last_used") if lu else None,
                "last_changed": parse_dt(lc, f"{where}.password.last_changed") if lc else None,
            }
        mfa = u.get("mfa")
        if mfa not in MFA_KINDS:
            raise BadRequest(f"{where}.mfa must be 'virtual', 'hardware' or null")
        keys = u.get("access_keys") or []
        if not isinstance(keys, list) or len(keys) > 2:
            # IAM's AccessKeysPerUser quota; moto enforces it on CreateAccessKey too.
            raise BadRequest(f"{where}.access_keys: at most 2 keys per user")
        kplan = []
        for j, k in enumerate(keys):
            kw = f"{where}.access_keys[{j}]"
            status = k.get("status", "Active")
            if status not in KEY_STATUSES:
                raise BadRequest(f"{kw}.status must be Active or Inactive")
            kc = parse_dt(k["create_date"], f"{kw}.create_date") if k.get("create_date") else None
            lu = k.get("last_used")
            last_used = None
            if lu is not None:
                if not isinstance(lu, dict) or "date" not in lu:
                    raise BadRequest(f"{kw}.last_used must be {{date, service, region}} or null")
                last_used = (
                    parse_dt(lu["date"], f"{kw}.last_used.date"),
                    lu.get("service", "s3"),
                    lu.get("region", "us-east-1"),
                )
            kplan.append((status, kc, last_used))
        plan.append((name, path, tags, create_date, pw, mfa, kplan))
    return plan


def _enable_user_mfa(backend, account_id, user, kind):
    if kind == "virtual":
        # Same objects CreateVirtualMFADevice + EnableMFADevice make: ListVirtualMFADevices shows
        # it assigned to the user, ListMFADevices lists it, the report says mfa_active=true.
        device = backend.create_virtual_mfa_device(user.name, "/")
        backend.enable_mfa_device(user.name, device.serial_number, "123456", "654321")
    elif kind == "hardware":
        # Not a virtual device: only the user's own MFA list knows it (like a FIDO security key),
        # so ListVirtualMFADevices does not show it, while ListMFADevices and the report do.
        serial = f"arn:{PARTITION}:iam::{account_id}:u2f/user/{user.name}/security-key-{user.id[-8:]}"
        user.mfa_devices[serial] = MFADevice(serial, "", "")


def bulk_seed(body):
    started = time.perf_counter()
    account_id = body.get("account_id", DEFAULT_ACCOUNT)
    backend = iam_backend(account_id)
    plan = _validate_bulk(backend, body.get("users"))
    out = []
    for name, path, tags, create_date, pw, mfa, kplan in plan:
        user = backend.create_user(
            "us-east-1", name, path, [{"Key": k, "Value": str(v)} for k, v in tags.items()]
        )
        if create_date is not None:
            user.create_date = create_date
        if pw is not None:
            user.password = "seeded-by-keywarden-tests"
            user.password_last_used = pw["last_used"]
            user._keywarden_password_changed = pw["last_changed"] or user.create_date
        _enable_user_mfa(backend, account_id, user, mfa)
        created = []
        for status, kc, last_used in kplan:
            key = backend.create_access_key(name, status=status)
            if kc is not None:
                key.create_date = kc
            if last_used is not None:
                key.last_used = AccessKeyLastUsed(*last_used)
            created.append({"access_key_id": key.access_key_id, "secret_access_key": key.secret_access_key})
        out.append({"name": name, "arn": user.arn, "access_keys": created})
    elapsed_ms = (time.perf_counter() - started) * 1000
    return {"users": out, "elapsed_ms": round(elapsed_ms, 1)}


# ---------------------------------------------------------------------------------------------
# POST /_test/iam/root
# ---------------------------------------------------------------------------------------------
# {"account_id"?, "access_keys": [{"active": bool, "last_rotated": ISO, "last_used": ISO|null,
#                                   "last_used_service"?: "s3", "last_used_region"?: "us-east-1"}] (0..2),
#  "mfa": null|"virtual"|"hardware", "create_date"?: ISO, "password_last_used"?: ISO|null}
# Each call replaces the previous root description. Stock moto has no root user at all: without
# this call there is no <root_account> report row and GetAccountSummary stays as moto makes it.

ROOT_MFA_DEVICE = "root-account-mfa-device"


class RootUser:
    """What ListVirtualMFADevices shows as the User of the root's device: AWS gives the account
    ARN and the account id as UserId, and no UserName. (moto's serializer reads these attributes.)"""

    def __init__(self, account_id, create_date, password_last_used):
        self.path = "/"
        self.user_id = account_id
        self.arn = f"arn:{PARTITION}:iam::{account_id}:root"
        self.create_date = create_date
        self.password_last_used = password_last_used


def set_root(body):
    account_id = body.get("account_id", DEFAULT_ACCOUNT)
    backend = iam_backend(account_id)
    keys = body.get("access_keys") or []
    if not isinstance(keys, list) or len(keys) > 2:
        raise BadRequest("access_keys: a list of at most 2 keys")
    mfa = body.get("mfa")
    if mfa not in MFA_KINDS:
        raise BadRequest("mfa must be 'virtual', 'hardware' or null")
    root_keys = []
    for i, k in enumerate(keys):
        if not isinstance(k, dict) or not isinstance(k.get("active"), bool) or not k.get("last_rotated"):
            raise BadRequest(f"access_keys[{i}]: active (bool) and last_rotated (ISO) are required")
        lu = k.get("last_used")
        root_keys.append(
            {
                "active": k["active"],
                "last_rotated": parse_dt(k["last_rotated"], f"access_keys[{i}].last_rotated"),
                "last_used": parse_dt(lu, f"access_keys[{i}].last_used") if lu else None,
                "service": k.get("last_used_service", "s3"),
                "region": k.get("last_used_region", "us-east-1"),
            }
        )
    create_date = parse_dt(body["create_date"], "create_date") if body.get("create_date") else utcnow()
    plu = body.get("password_last_used")
    password_last_used = parse_dt(plu, "password_last_used") if plu else None

    # Replace any earlier root MFA device.
    serial = f"arn:{PARTITION}:iam::{account_id}:mfa/{ROOT_MFA_DEVICE}"
    backend.virtual_mfa_devices.pop(serial, None)
    if mfa == "virtual":
        device = VirtualMfaDevice(account_id, "us-east-1", "/" + ROOT_MFA_DEVICE)
        device.enable_date = utcnow()
        device.user = RootUser(account_id, create_date, password_last_used)
        backend.virtual_mfa_devices[serial] = device

    # GetAccountSummary reads these two plain attributes of moto's per-account summary object.
    backend.account_summary._account_access_keys_present = 1 if root_keys else 0
    backend.account_summary._account_mfa_enabled = 1 if mfa else 0

    state_of(backend).root = {
        "account_id": account_id,
        "create_date": create_date,
        "password_last_used": password_last_used,
        "mfa": mfa,
        "keys": root_keys,
    }
    return {"arn": f"arn:{PARTITION}:iam::{account_id}:root", "mfa_serial": serial if mfa == "virtual" else None}


# ---------------------------------------------------------------------------------------------
# POST /_test/iam/backdate
# ---------------------------------------------------------------------------------------------
# {"account_id"?, "access_key_id"?, "create_date"?: ISO,
#  "last_used"?: {"date": ISO, "service"?: "s3", "region"?: "us-east-1"} | null,
#  "user_name"?, "user_create_date"?: ISO, "password_last_used"?: ISO|null}
# moto stamps every date with "now"; audits are about age, so tests need to move dates back.


def backdate(body):
    backend = iam_backend(body.get("account_id", DEFAULT_ACCOUNT))
    out = {}
    if "access_key_id" in body:
        key = backend.access_keys.get(body["access_key_id"])
        if key is None:
            raise BadRequest(f"no access key {body['access_key_id']}")
        if "create_date" in body:
            key.create_date = parse_dt(body["create_date"], "create_date")
        if "last_used" in body:
            lu = body["last_used"]
            key.last_used = (
                None
                if lu is None
                else AccessKeyLastUsed(
                    parse_dt(lu["date"], "last_used.date"),
                    lu.get("service", "s3"),
                    lu.get("region", "us-east-1"),
                )
            )
        out["access_key_id"] = key.access_key_id
    if "user_name" in body:
        user = backend.users.get(body["user_name"])
        if user is None:
            raise BadRequest(f"no user {body['user_name']}")
        if "user_create_date" in body:
            user.create_date = parse_dt(body["user_create_date"], "user_create_date")
        if "password_last_used" in body:
            plu = body["password_last_used"]
            user.password_last_used = parse_dt(plu, "password_last_used") if plu else None
        out["user_name"] = user.name
    return out


# ---------------------------------------------------------------------------------------------
# Credential report: a snapshot, as on AWS
# ---------------------------------------------------------------------------------------------
# Stock moto builds the CSV on every GetCredentialReport (so it always shows "now"), reports
# GeneratedTime as a fixed 2015 date, puts not_supported in the last-used region/service columns
# and has no root row. AWS takes a snapshot on GenerateCredentialReport (reusing one younger than
# 4 hours) and GetCredentialReport returns that snapshot with its GeneratedTime: keys created after
# generation are not in it. keywarden's staleness logic depends on exactly that, so it is emulated.
#
# POST /_test/iam/credential-report
#   {"account_id"?, "expire"?: true, "generated_at"?: ISO, "in_progress_polls"?: n}
#   applied in this order:
#   expire            drop the snapshot; GetCredentialReport answers ReportExpired (410) until the
#                     next GenerateCredentialReport, which takes a new snapshot.
#   generated_at      set the snapshot's time (taking one now first if there is none), e.g. 5 hours
#                     ago so that the next GenerateCredentialReport regenerates.
#   in_progress_polls the next n GetCredentialReport calls answer ReportInProgress (404) and
#                     GenerateCredentialReport answers State STARTED meanwhile.
#   -> {"generated_at": ISO|null, "expired": bool, "in_progress_polls": n}


class ReportInProgress(IAMException):
    code = "ReportInProgress"  # HTTP 404, CredentialReportNotReadyException in the SDKs


class ReportNotPresent(IAMException):
    code = "ReportNotPresent"  # HTTP 410, CredentialReportNotPresentException


class ReportExpired(IAMException):
    code = "ReportExpired"  # HTTP 410, CredentialReportExpiredException


def _key_columns(key):
    """access_key_N_active, _last_rotated, _last_used_date, _last_used_region, _last_used_service"""
    if key is None:
        return ["false", "N/A", "N/A", "N/A", "N/A"]
    lu = key.last_used
    if lu is None:
        used = ["N/A", "N/A", "N/A"]
    elif isinstance(lu, datetime.datetime):  # moto allows callers to set a bare datetime
        used = [report_date(lu), "N/A", "N/A"]
    else:
        used = [report_date(lu.timestamp), lu.region or "N/A", lu.service or "N/A"]
    return ["true" if key.status == "Active" else "false", report_date(key.create_date)] + used


def _user_row(backend, user):
    has_password = bool(user.password)
    if has_password:
        last_used = report_date(user.password_last_used) if user.password_last_used else "no_information"
        changed = getattr(user, "_keywarden_password_changed", None) or user.create_date
        policy = backend.account_password_policy
        if policy is not None and policy.expire_passwords:
            next_rotation = report_date(changed + datetime.timedelta(days=int(policy.max_password_age)))
        else:
            next_rotation = "N/A"
        password = ["true", last_used, report_date(changed), next_rotation]
    else:
        password = ["false", "N/A", "N/A", "N/A"]
    keys = list(user.access_keys)[:2] + [None, None]
    certs = list(user.signing_certificates.values())[:2] + [None, None]
    row = [user.name, user.arn, report_date(user.create_date)] + password
    row.append("true" if user.mfa_devices else "false")
    row += _key_columns(keys[0]) + _key_columns(keys[1])
    for cert in certs[:2]:
        if cert is None:
            row += ["false", "N/A"]
        else:
            row += ["true" if cert.status == "Active" else "false", report_date(cert.upload_date)]
    return ",".join(row)


class _RootKey:
    def __init__(self, k):
        self.status = "Active" if k["active"] else "Inactive"
        self.create_date = k["last_rotated"]
        self.last_used = AccessKeyLastUsed(k["last_used"], k["service"], k["region"]) if k["last_used"] else None


def _root_row(root):
    keys = [_RootKey(k) for k in root["keys"]] + [None, None]
    row = [
        "<root_account>",
        f"arn:{PARTITION}:iam::{root['account_id']}:root",
        report_date(root["create_date"]),
        "not_supported",  # password_enabled
        report_date(root["password_last_used"]) if root["password_last_used"] else "no_information",
        "not_supported",  # password_last_changed
        "not_supported",  # password_next_rotation
        "true" if root["mfa"] else "false",
    ]
    row += _key_columns(keys[0]) + _key_columns(keys[1])
    row += ["false", "N/A", "false", "N/A"]
    return ",".join(row)


def build_credential_report(backend):
    st = state_of(backend)
    lines = [REPORT_COLUMNS]
    if st.root is not None:
        lines.append(_root_row(st.root))
    lines += [_user_row(backend, u) for u in list(backend.users.values())]
    return "\n".join(lines)


def _take_snapshot(backend, st, when=None):
    st.report_content = build_credential_report(backend)
    # IAM reports GeneratedTime to the second.
    st.report_generated_at = (when or utcnow()).replace(microsecond=0)
    st.report_expired = False


def generate_credential_report(self):  # replaces IamResponse.generate_credential_report
    backend = self.backend
    st = state_of(backend)
    with st.lock:
        now = utcnow()
        fresh = st.report_content is not None and now - st.report_generated_at < REPORT_MAX_AGE
        if not fresh:
            _take_snapshot(backend, st, now)
            return ActionResult(
                {"State": "STARTED", "Description": "No report exists. Starting a new report generation task"}
            )
        if st.in_progress_polls > 0:
            return ActionResult({"State": "STARTED"})
        return ActionResult({"State": "COMPLETE"})


def get_credential_report(self):  # replaces IamResponse.get_credential_report
    st = state_of(self.backend)
    with st.lock:
        if st.in_progress_polls > 0:
            st.in_progress_polls -= 1
            raise ReportInProgress("Report generation in progress")
        if st.report_content is None:
            if st.report_expired:
                raise ReportExpired(
                    "The most recent credential report has expired. Use GenerateCredentialReport."
                )
            raise ReportNotPresent("Credential report not present. Use GenerateCredentialReport.")
        content, generated_at = st.report_content, st.report_generated_at
    return ActionResult({"Content": content, "ReportFormat": "text/csv", "GeneratedTime": generated_at})


def control_credential_report(body):
    backend = iam_backend(body.get("account_id", DEFAULT_ACCOUNT))
    st = state_of(backend)
    polls = body.get("in_progress_polls")
    if polls is not None and (not isinstance(polls, int) or polls < 0):
        raise BadRequest("in_progress_polls must be a non-negative integer")
    generated_at = parse_dt(body["generated_at"], "generated_at") if body.get("generated_at") else None
    with st.lock:
        if body.get("expire"):
            st.report_content = None
            st.report_generated_at = None
            st.report_expired = True
        if generated_at is not None:
            if st.report_content is None:
                _take_snapshot(backend, st)
            st.report_generated_at = generated_at
        if polls is not None:
            st.in_progress_polls = polls
        return {
            "generated_at": st.report_generated_at.strftime("%Y-%m-%dT%H:%M:%SZ") if st.report_generated_at else None,
            "expired": st.report_expired,
            "in_progress_polls": st.in_progress_polls,
        }


# ---------------------------------------------------------------------------------------------
# Patches to moto's behaviour (applied once at start-up)
# ---------------------------------------------------------------------------------------------


def patch_inactive_keys():
    """AWS rejects a request signed with an Inactive key (InvalidClientTokenId, 403); stock moto
    accepts it. keywarden's rotation verifies deactivation, so the emulator must refuse it too.
    Only matters once auth checking is on (POST /moto-api/reset-auth with body 0)."""
    original = access_control.IAMUserAccessKey.__init__

    def init(self, account_id, partition, access_key_id, headers):
        original(self, account_id, partition, access_key_id, headers)
        key = self.backend.access_keys.get(access_key_id)
        if key is not None and key.status != "Active":
            raise access_control.CreateAccessKeyFailure(reason="InvalidId")

    access_control.IAMUserAccessKey.__init__ = init


def patch_password_changes():
    """The report's password_last_changed needs the time the password was set; moto does not
    keep it, so remember it when a login profile is created or its password updated."""
    create, update = IAMBackend.create_login_profile, IAMBackend.update_login_profile

    def create_login_profile(self, user_name, password):
        user = create(self, user_name, password)
        user._keywarden_password_changed = utcnow()
        return user

    def update_login_profile(self, user_name, password, password_reset_required):
        user = update(self, user_name, password, password_reset_required)
        if password:
            user._keywarden_password_changed = utcnow()
        return user

    IAMBackend.create_login_profile = create_login_profile
    IAMBackend.update_login_profile = update_login_profile


def patch_managed_policy_loading():
    """Not a behaviour of AWS, a cost of moto: it builds its ~1,500 AWS managed policies anew for
    every IAM backend (one per account and partition, all rebuilt at each reset), about 0.12 s
    each and 1.5 s for every test file. Build them once per partition and give each backend its own
    shallow copies: its own attachment counts, the same immutable documents."""
    original = IAMBackend._init_aws_policies
    built = {}

    def init_aws_policies(self):
        if self.region_name not in built:
            built[self.region_name] = original(self)
        copies = []
        for template in built[self.region_name]:
            policy = copy.copy(template)
            policy.account_id = self.account_id
            policy.attachment_count = 0
            copies.append(policy)
        return copies

    IAMBackend._init_aws_policies = init_aws_policies


def patch_authorization_details():
    """AWS's GetAccountAuthorizationDetails lists, among AWS managed policies, only those the
    account uses (attached to a user, group or role); stock moto lists all of them, about 1,300
    policies and 5 MB of XML per call, whatever the account holds. Keep the ones in use, and the
    ones set as a permissions boundary, so an audit reads what it would read from AWS."""
    original = IAMBackend.get_account_authorization_details

    def get_account_authorization_details(self, policy_filter):
        out = original(self, policy_filter)
        aws = {id(p) for p in self.aws_managed_policies}
        boundaries = {
            getattr(e, "permissions_boundary_arn", None)
            for e in list(self.users.values()) + list(self.roles.values())
        }
        out["managed_policies"] = [
            p
            for p in out["managed_policies"]
            if id(p) not in aws or p.attachment_count > 0 or p.arn in boundaries
        ]
        return out

    IAMBackend.get_account_authorization_details = get_account_authorization_details


def patch_credential_report():
    IamResponse.generate_credential_report = generate_credential_report
    IamResponse.get_credential_report = get_credential_report
    # Anything calling the backend directly gets the same faithful CSV.
    IAMBackend.get_credential_report = build_credential_report


# ---------------------------------------------------------------------------------------------
# CloudTrail LookupEvents (stock moto: NotImplementedError -> HTTP 500)
# ---------------------------------------------------------------------------------------------
# POST /_test/cloudtrail/events: a JSON list of LookupEvents "Events" items, replacing the previous
# list. EventTime may be an ISO string or epoch seconds. LookupEvents answers from it: lookup
# attribute filter (EventId, EventName, ReadOnly, Username, EventSource, AccessKeyId,
# ResourceType, ResourceName), StartTime/EndTime, newest first, MaxResults (<= 50) + NextToken.
# Each region answers only its own events: the region the request was signed for must equal the
# event's AwsRegion (or its CloudTrailEvent's awsRegion); events without a region answer everywhere.

CT_LOCK = threading.Lock()
CT_EVENTS = []


def _epoch(value, field):
    if isinstance(value, (int, float)):
        return float(value)
    d = parse_dt(value, field)
    return d.replace(tzinfo=datetime.timezone.utc).timestamp()


def seed_cloudtrail_events(events):
    if not isinstance(events, list):
        raise BadRequest("expected a JSON list of CloudTrail Events items")
    normalised = []
    for i, e in enumerate(events):
        if not isinstance(e, dict):
            raise BadRequest(f"events[{i}] must be an object")
        e = dict(e)
        if "EventTime" in e:
            e["EventTime"] = _epoch(e["EventTime"], f"events[{i}].EventTime")
        normalised.append(e)
    with CT_LOCK:
        CT_EVENTS[:] = normalised
    return {"ok": True, "count": len(normalised)}


def _matches(event, key, value):
    if key in ("EventId", "EventName", "ReadOnly", "Username", "EventSource", "AccessKeyId"):
        return str(event.get(key)) == value
    if key in ("ResourceType", "ResourceName"):
        return any(r.get(key) == value for r in event.get("Resources") or [])
    return False


def _event_region(event):
    """The region an event was recorded in: AwsRegion, else the CloudTrailEvent record's awsRegion."""
    region = event.get("AwsRegion")
    if region:
        return region
    raw = event.get("CloudTrailEvent")
    if isinstance(raw, str):
        try:
            return json.loads(raw).get("awsRegion")
        except (ValueError, AttributeError):
            return None
    return None


def region_of_request(environ):
    """The region a request was signed for (SigV4 credential scope), as AWS routes it."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    marker = "Credential="
    if marker not in auth:
        return None
    scope = auth.split(marker, 1)[1].split(",", 1)[0].split("/")
    return scope[2] if len(scope) >= 4 else None


def lookup_events(body, region=None):
    with CT_LOCK:
        events = list(CT_EVENTS)
    # CloudTrail keeps each region's events in that region: a lookup in us-east-1 does not return
    # what happened in eu-west-1. Events with no region recorded are answered everywhere.
    if region:
        events = [e for e in events if _event_region(e) in (None, region)]
    for attr in body.get("LookupAttributes") or []:
        events = [e for e in events if _matches(e, attr.get("AttributeKey"), attr.get("AttributeValue"))]
    if body.get("StartTime") is not None:
        start = float(body["StartTime"])
        events = [e for e in events if e.get("EventTime", 0) >= start]
    if body.get("EndTime") is not None:
        end = float(body["EndTime"])
        events = [e for e in events if e.get("EventTime", 0) <= end]
    events.sort(key=lambda e: e.get("EventTime", 0), reverse=True)
    size = min(int(body.get("MaxResults") or 50), 50)
    offset = int(body.get("NextToken") or 0)
    page = events[offset : offset + size]
    out = {"Events": page}
    if offset + size < len(events):
        out["NextToken"] = str(offset + size)
    return out


# ---------------------------------------------------------------------------------------------
# POST /_test/iam/mfa: MFA-protected API access
# ---------------------------------------------------------------------------------------------
# Stock moto cannot show a policy that requires MFA: its GetSessionToken checks neither serial nor
# code and returns one fixed fake key that its own auth checking rejects, and it evaluates no
# Bool/BoolIfExists condition (so a "deny unless aws:MultiFactorAuthPresent" statement denies
# always). This switch emulates exactly that part, and nothing else:
#
# {"enabled"?: bool} -> {"enabled": bool, "get_session_token_calls": [{"user", "serial", "mfa", "outcome"}]}
# (an empty body only reads the state). Enabled until the next reset; only matters with auth on.
# - GetSessionToken signed with an IAM user's long-term key returns real session credentials
#   (ASIA...) that act as that user, as on AWS (they outlive the key that made them: deleting or
#   deactivating it does not end the session). With SerialNumber + TokenCode the session carries
#   MFA: the serial must be one of the caller's MFA devices and the code six digits that this user
#   has not used before (a TOTP code works once on AWS; codes themselves are not emulated, so any
#   other six digits pass). Signed with session credentials it is refused, as on AWS.
# - The condition key aws:MultiFactorAuthPresent is evaluated (Bool and BoolIfExists): "true" for
#   a session made with MFA, "false" for one made without, absent for a long-term key.
# - An explicit Deny is reported in AWS's words ("... with an explicit deny in an identity-based
#   policy"); moto says only "is not authorized to perform".
# Every GetSessionToken that passed auth is recorded, so a test can count them per run.

MFA_KEY = "aws:multifactorauthpresent"
MFA_LOCK = threading.Lock()
MFA_STATE = {"enabled": False, "sessions": {}, "used_codes": {}, "calls": []}
_REQUEST = threading.local()  # the MFA context of the request being authorized in this thread


def mfa_reset():
    with MFA_LOCK:
        MFA_STATE.update(enabled=False, sessions={}, used_codes={}, calls=[])


def control_mfa(body):
    enabled = body.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise BadRequest("enabled must be true or false")
    with MFA_LOCK:
        if enabled is not None:
            MFA_STATE["enabled"] = enabled
        return {"enabled": MFA_STATE["enabled"], "get_session_token_calls": list(MFA_STATE["calls"])}


def _mfa_session(access_key_id):
    with MFA_LOCK:
        return MFA_STATE["sessions"].get(access_key_id)


class MfaDenied(AccessDeniedError):
    """AccessDenied with AWS's own message text (moto's class fixes the wording)."""

    def __init__(self, message):  # pylint: disable=super-init-not-called
        super(AccessDeniedError, self).__init__("AccessDenied", message)


class UserSessionAccessKey(access_control.IAMUserAccessKey):
    """Session credentials from GetSessionToken: signed with their own secret and token, and
    allowed what the user is allowed (moto reads the user's policies through the parent class)."""

    def __init__(self, session, access_key_id, headers):  # no super(): that looks up long-term keys
        self.account_id = session["account_id"]
        self.partition = PARTITION
        if session["user"] not in self.backend.users:
            raise access_control.CreateAccessKeyFailure(reason="InvalidId")
        if headers.get("X-Amz-Security-Token") != session["token"]:
            raise access_control.CreateAccessKeyFailure(reason="InvalidToken")
        self._owner_user_name = session["user"]
        self._access_key_id = access_key_id
        self._secret_access_key = session["secret"]
        self._session_token = session["token"]
        self.keywarden_mfa = session["mfa"]

    def create_credentials(self):
        return Credentials(self._access_key_id, self._secret_access_key, self._session_token)


def _mfa_condition_holds(operator, expected):
    present = getattr(_REQUEST, "mfa", None)
    if present is None:  # a long-term key carries no MFA context key at all
        return operator == "BoolIfExists"
    values = expected if isinstance(expected, list) else [expected]
    return ("true" if present else "false") in [str(v).lower() for v in values]


def patch_mfa():
    statement_check = access_control.IAMPolicyStatement.is_action_permitted

    def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
        condition = self._statement.get("Condition")
        if not MFA_STATE["enabled"] or not isinstance(condition, dict):
            return statement_check(self, action, resource, principal, incoming_condition_values)
        rest = {}
        for operator, pairs in condition.items():
            kept = {}
            for key, expected in (pairs or {}).items():
                if operator in ("Bool", "BoolIfExists") and key.lower() == MFA_KEY:
                    if not _mfa_condition_holds(operator, expected):
                        return access_control.PermissionResult.NEUTRAL  # the statement does not apply
                else:
                    kept[key] = expected
            if kept:
                rest[operator] = kept
        statement = dict(self._statement)
        statement.pop("Condition")
        if rest:
            statement["Condition"] = rest  # what moto evaluates itself, as before
        return statement_check(
            access_control.IAMPolicyStatement(statement), action, resource, principal, incoming_condition_values
        )

    access_control.IAMPolicyStatement.is_action_permitted = is_action_permitted

    check = access_control.IAMRequestBase.check_action_permitted

    def check_action_permitted(self, resource):
        if not MFA_STATE["enabled"]:
            return check(self, resource)
        _REQUEST.mfa = getattr(self._access_key, "keywarden_mfa", None)
        try:
            return check(self, resource)
        except AccessDeniedError as err:
            policies = self._access_key.collect_policies()
            explicit = any(
                access_control.IAMPolicy(p).is_action_permitted(self._action, resource)
                == access_control.PermissionResult.DENIED
                for p in policies
            )
            if not explicit:
                raise
            raise MfaDenied(
                f"User: {self._access_key.arn} is not authorized to perform: {self._action} on resource: "
                f"{_resource_words(self, resource)} with an explicit deny in an identity-based policy"
            ) from err
        finally:
            _REQUEST.mfa = None

    access_control.IAMRequestBase.check_action_permitted = check_action_permitted

    make_key = access_control.create_access_key

    def create_access_key(account_id, partition, access_key_id, headers):
        session = _mfa_session(access_key_id)
        if session is not None:
            return UserSessionAccessKey(session, access_key_id, headers)
        return make_key(account_id, partition, access_key_id, headers)

    access_control.create_access_key = create_access_key

    caller_identity = STSBackend.get_caller_identity

    def get_caller_identity(self, access_key_id, region):
        session = _mfa_session(access_key_id)
        user = session and iam_backends[session["account_id"]][PARTITION].users.get(session["user"])
        if user:
            return user.id, user.arn, session["account_id"]
        return caller_identity(self, access_key_id, region)

    STSBackend.get_caller_identity = get_caller_identity

    account_of = iam_models.get_account_id_from

    def get_account_id_from(access_key):
        session = _mfa_session(access_key)
        return session["account_id"] if session else account_of(access_key)

    iam_models.get_account_id_from = get_account_id_from  # core/responses.py imports it per call

    stock_get_session_token = TokenResponse.get_session_token

    def get_session_token(self):
        if not MFA_STATE["enabled"]:
            return stock_get_session_token(self)
        key_id = self.get_access_key()
        serial = self._get_param("SerialNumber")
        code = self._get_param("TokenCode")
        if _mfa_session(key_id) is not None:
            _record_call(_mfa_session(key_id)["user"], serial, False, "refused")
            raise MfaDenied("Cannot call GetSessionToken with session credentials")
        account_id = self.current_account
        user = iam_backends[account_id][PARTITION].get_user_from_access_key_id(key_id)
        if user is None:  # not an IAM user's key (auth off, dummy keys): stock moto
            return stock_get_session_token(self)
        duration = self._get_int_param("DurationSeconds", 43200)
        if not 900 <= duration <= 129600:
            _record_call(user.name, serial, False, "invalid")
            raise STSValidationError(
                f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy "
                "constraint: Member must have value between 900 and 129600"
            )
        mfa = serial is not None or code is not None
        if mfa:
            if code is None or not re.fullmatch(r"\d{6}", code):
                _record_call(user.name, serial, False, "invalid")
                raise STSValidationError(
                    "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: "
                    "Member must satisfy regular expression pattern: [\\d]* and have length 6"
                )
            if serial is None or serial not in user.mfa_devices:
                _record_call(user.name, serial, False, "denied")
                raise MfaDenied(
                    "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your "
                    "MFA serial number is valid and associated with this user."
                )
            with MFA_LOCK:
                used = MFA_STATE["used_codes"].setdefault((account_id, user.name), set())
                reused = code in used
                used.add(code)
            if reused:
                _record_call(user.name, serial, False, "denied")
                raise MfaDenied("MultiFactorAuthentication failed with invalid MFA one time pass code. ")
        access_key_id = "ASIA" + "".join(random.choice(string.ascii_uppercase + string.digits) for _ in range(16))
        secret = base64.b64encode(os.urandom(30)).decode()
        token = random_session_token()
        expiration = utcnow() + datetime.timedelta(seconds=duration)
        with MFA_LOCK:
            MFA_STATE["sessions"][access_key_id] = {
                "account_id": account_id,
                "user": user.name,
                "secret": secret,
                "token": token,
                "mfa": mfa,
            }
        _record_call(user.name, serial, mfa, "issued")
        return ActionResult(
            {
                "Credentials": {
                    "AccessKeyId": access_key_id,
                    "SecretAccessKey": secret,
                    "SessionToken": token,
                    "Expiration": expiration,
                }
            }
        )

    TokenResponse.get_session_token = get_session_token


def _record_call(user, serial, mfa, outcome):
    with MFA_LOCK:
        MFA_STATE["calls"].append({"user": user, "serial": serial, "mfa": mfa, "outcome": outcome})


def _resource_words(request, resource):
    """How IAM names the resource in a denial: `user alice` for calls about an IAM user."""
    if request._action.startswith("iam:"):
        name = request._data.get("UserName")
        if isinstance(name, list):
            name = name[0] if name else None
        owner = getattr(request._access_key, "_owner_user_name", None)
        if name or owner:
            return f"user {name or owner}"
    return resource


# ---------------------------------------------------------------------------------------------
# POST /_test/iam/managed-policies: which AWS managed policies an account has
# ---------------------------------------------------------------------------------------------
# moto 5.2.1 ships AWS managed policies up to AWSCompromisedKeyQuarantineV3; AWS published
# AWSCompromisedKeyQuarantineV4 in November 2026, and a partition may lack a newer version for a
# while. keywarden's containment attaches the newest version the account has, so a test needs an
# account with V4, and accounts without V4, V3 or V2:
#
# {"account_id"?: "123456789012", "add"?: ["AWSCompromisedKeyQuarantineV4"], "remove"?: [names]}
#   -> {"quarantine_policies": [the AWSCompromisedKeyQuarantine* names the account now has]}
# `add` knows only the names in EXTRA_MANAGED_POLICIES; `remove` takes any AWS managed policy.
# Until the next reset (moto's reset rebuilds every backend from its own data).
#
# V4's document here is a stand-in, not AWS's text: V3's Deny list plus a few more actions, enough
# for containment to attach it and for the policy to deny (explicit Deny wins in moto too).

EXTRA_MANAGED_POLICIES = {"AWSCompromisedKeyQuarantineV4": "AWSCompromisedKeyQuarantineV3"}
# Not in moto's V3; chosen only so that the stand-in differs from V3.
V4_EXTRA_ACTIONS = ["ec2:CreateFleet", "sagemaker:CreateNotebookInstance"]


def _aws_managed(backend, name):
    return backend.managed_policies.get(f"arn:{PARTITION}:iam::aws:policy/{name}")


def _extra_policy(backend, account_id, name):
    base = _aws_managed(backend, EXTRA_MANAGED_POLICIES[name])
    if base is None:
        raise BadRequest(f"{name} is built from {EXTRA_MANAGED_POLICIES[name]}, which this account lacks")
    version = next(v for v in base.versions if v.version_id == base.default_version_id)
    statements = json.loads(version.document)["Statement"]
    extra = {"Sid": "EmulatorStandIn", "Effect": "Deny", "Action": V4_EXTRA_ACTIONS, "Resource": "*"}
    data = {
        "DefaultVersionId": "v1",
        "Path": "/",
        "Document": {"Version": "2012-10-17", "Statement": [*statements, extra]},
        "CreateDate": "2026-11-06T00:37:00+00:00",
        "UpdateDate": "2026-11-09T22:27:00+00:00",
    }
    return iam_models.AWSManagedPolicy.from_data(name, account_id, backend.region_name, data)


def control_managed_policies(body):
    account_id = body.get("account_id", DEFAULT_ACCOUNT)
    backend = iam_backend(account_id)
    add, remove = body.get("add") or [], body.get("remove") or []
    if not isinstance(add, list) or not isinstance(remove, list):
        raise BadRequest("add and remove must be lists of policy names")
    for name in add:
        if name not in EXTRA_MANAGED_POLICIES:
            raise BadRequest(f"add: unknown policy {name!r} (known: {', '.join(EXTRA_MANAGED_POLICIES)})")
    for name in remove:
        if _aws_managed(backend, name) is None:
            raise BadRequest(f"remove: the account has no AWS managed policy {name!r}")
    for name in remove:
        policy = backend.managed_policies.pop(f"arn:{PARTITION}:iam::aws:policy/{name}")
        backend.aws_managed_policies = [p for p in backend.aws_managed_policies if p is not policy]
    for name in add:
        if _aws_managed(backend, name) is None:
            policy = _extra_policy(backend, account_id, name)
            backend.managed_policies[policy.arn] = policy
            backend.aws_managed_policies.append(policy)
    present = [p.name for p in backend.aws_managed_policies if p.name.startswith("AWSCompromisedKeyQuarantine")]
    return {"quarantine_policies": sorted(present)}


# ---------------------------------------------------------------------------------------------
# The WSGI app: our routes first, moto's dispatcher for everything else
# ---------------------------------------------------------------------------------------------


INITIAL_AUTH_COUNT = settings.INITIAL_NO_AUTH_ACTION_COUNT  # as this process started


def moto_reset():
    """What /moto-api/reset does, plus the CloudTrail events this launcher holds."""
    with CT_LOCK:
        CT_EVENTS.clear()
    mfa_reset()
    athena_reset()
    moto_api_backend.reset()  # drops every backend, and with them LauncherState and root data
    return {"status": "ok"}


def full_reset(_body=None):
    """POST /_test/reset: moto_reset() and auth checking back to how the process started (off
    unless INITIAL_NO_AUTH_ACTION_COUNT was set), so a test file that turned auth on and failed
    before turning it off cannot leak that into the next file."""
    moto_reset()
    settings.INITIAL_NO_AUTH_ACTION_COUNT = INITIAL_AUTH_COUNT
    ActionAuthenticatorMixin.request_count = 0
    return {"status": "ok"}


ROUTES = {
    "/_test/reset": full_reset,
    "/_test/iam/bulk": bulk_seed,
    "/_test/iam/root": set_root,
    "/_test/iam/backdate": backdate,
    "/_test/iam/credential-report": control_credential_report,
    "/_test/cloudtrail/events": seed_cloudtrail_events,
    "/_test/iam/mfa": control_mfa,
    "/_test/iam/managed-policies": control_managed_policies,
    "/_test/athena/outcomes": lambda body: athena_outcomes(body),  # defined with the Athena patches below
}


def json_response(payload, status=200, content_type="application/json"):
    return Response(json.dumps(payload, default=str), status, content_type=content_type)


class App:
    def __init__(self):
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/_test/health":
            return json_response({"ok": True, "moto": moto.__version__})(environ, start_response)
        handler = ROUTES.get(path)
        if handler is not None and method == "POST":
            raw = Request(environ).get_data()
            try:
                body = json.loads(raw) if raw.strip() else {}
                return json_response(handler(body))(environ, start_response)
            except (BadRequest, ValueError, KeyError, TypeError) as err:
                msg = str(err) if isinstance(err, BadRequest) else f"{type(err).__name__}: {err}"
                return json_response({"error": msg}, 400)(environ, start_response)
        if path == "/moto-api/reset" and method == "POST":
            # moto's reset, extended to the CloudTrail events held here (auth setting untouched, as stock).
            return json_response(moto_reset())(environ, start_response)
        if environ.get("HTTP_X_AMZ_TARGET", "").endswith(".LookupEvents"):
            raw = Request(environ).get_data()
            body = json.loads(raw) if raw.strip() else {}
            return json_response(
                lookup_events(body, region_of_request(environ)), content_type="application/x-amz-json-1.1"
            )(
                environ, start_response
            )
        return self.moto(environ, start_response)


def exit_with_parent():
    """Exit when stdin closes. The Node parent keeps our stdin open as a pipe; if it dies by a
    signal (its 'exit' handlers do not run) the pipe closes and we follow, instead of lingering
    as an orphan holding a port and 200 MB."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


# ---------------------------------------------------------------------------------------------
# iam:SimulatePrincipalPolicy, which stock moto lacks: the user's identity policies (inline,
# attached, groups) evaluated by moto's own evaluator, the one its auth checks use, so the answer
# matches what the calls themselves would meet (resource always "*", no conditions, as there).


def simulate_principal_policy(self):  # added to IamResponse
    from moto.iam.access_control import IAMPolicy, PermissionResult

    arn = self._get_param("PolicySourceArn") or ""
    params = self._get_params()
    actions = params.get("ActionNames") or []
    resources = params.get("ResourceArns") or ["*"]
    name = arn.rsplit("/", 1)[-1]
    if ":user/" not in arn or name not in self.backend.users:
        raise iam_exceptions.NotFoundException(f"The user with name {name} cannot be found.")
    backend = self.backend
    policies = [backend.get_user_policy(name, p) for p in backend.list_user_policies(name)]
    policies += backend.list_attached_user_policies(name)[0]
    for group in backend.get_groups_for_user(name):
        policies += [backend.get_group_policy(group.name, p) for p in backend.list_group_policies(group.name)]
        policies += backend.list_attached_group_policies(group.name)[0]
    # The MFA context the caller names (ContextEntries), as the MFA switch above evaluates it.
    mfa = None
    for entry in params.get("ContextEntries") or []:
        if str(entry.get("ContextKeyName", "")).lower() == MFA_KEY:
            mfa = "true" in [str(v).lower() for v in entry.get("ContextKeyValues") or []]
    _REQUEST.mfa = mfa
    results = []
    for action in actions:
        for resource in resources:
            decision = "implicitDeny"
            for p in policies:
                r = IAMPolicy(p).is_action_permitted(action, resource)
                if r == PermissionResult.DENIED:
                    decision = "explicitDeny"
                    break
                if r == PermissionResult.PERMITTED:
                    decision = "allowed"
            results.append({"EvalActionName": action, "EvalResourceName": resource, "EvalDecision": decision})
    _REQUEST.mfa = None
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})


def patch_simulation():
    IamResponse.simulate_principal_policy = simulate_principal_policy


# ---------------------------------------------------------------------------------------------
# securityhub:BatchUpdateFindings, which stock moto lacks (it has BatchImportFindings and
# GetFindings). The customer's call that sets a finding's Workflow.Status: on AWS a finding
# provider cannot change Workflow through BatchImportFindings once the finding exists.


def batch_update_findings(self):  # added to SecurityHubResponse
    body = json.loads(self.body or "{}")
    workflow = (body.get("Workflow") or {}).get("Status")
    processed, unprocessed = [], []
    for ident in body.get("FindingIdentifiers") or []:
        found = next((f for f in self.securityhub_backend.findings if f.id == ident.get("Id")), None)
        if found is None or found.data.get("ProductArn") != ident.get("ProductArn"):
            unprocessed.append(
                {"FindingIdentifier": ident, "ErrorCode": "FindingNotFound", "ErrorMessage": "no such finding"}
            )
            continue
        if workflow:
            found.data["Workflow"] = {"Status": workflow}
        processed.append(ident)
    return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})


def patch_securityhub():
    from moto.securityhub import urls as securityhub_urls
    from moto.securityhub.responses import SecurityHubResponse

    SecurityHubResponse.batch_update_findings = batch_update_findings
    securityhub_urls.url_paths["{0}/findings/batchupdate$"] = SecurityHubResponse.dispatch


# ---------------------------------------------------------------------------------------------
# Athena. Stock moto runs no SQL: every query SUCCEEDS at once with 0 bytes scanned, and
# GetQueryResults returns the rows queued at /moto-api/static/athena/query-results all in one
# page. keywarden's query flow also has to meet what AWS does that moto cannot show:
#
# POST /_test/athena/outcomes  {"outcomes": [{"state": "SUCCEEDED" | "FAILED" | "CANCELLED",
#     "reason": "...", "scanned_bytes": N, "pending_polls": N}, ...]}
#   A queue: each StartQueryExecution takes the next outcome (none left: stock behaviour). Its
#   GetQueryExecution answers QUEUED, then RUNNING, for `pending_polls` calls, then `state` with
#   `reason` as Status.StateChangeReason and `scanned_bytes` as Statistics.DataScannedInBytes.
#   {"outcomes": []} empties the queue; the reply lists the polls each query got so far.
# GetQueryResults pages as AWS does: MaxResults (default and at most 1000) rows a page, NextToken.

ATHENA_LOCK = threading.Lock()
ATHENA_QUEUE = []
ATHENA_OUTCOMES = {}  # QueryExecutionId -> outcome dict (+ "polls")


def athena_outcomes(body):
    outcomes = body.get("outcomes")
    if not isinstance(outcomes, list):
        raise BadRequest('expected {"outcomes": [...]}')
    for i, o in enumerate(outcomes):
        if not isinstance(o, dict) or o.get("state", "SUCCEEDED") not in ("SUCCEEDED", "FAILED", "CANCELLED"):
            raise BadRequest(f"outcomes[{i}].state must be SUCCEEDED, FAILED or CANCELLED")
    with ATHENA_LOCK:
        ATHENA_QUEUE[:] = [dict(o, polls=0) for o in outcomes]
        seen = {k: v["polls"] for k, v in ATHENA_OUTCOMES.items()}
    return {"ok": True, "queued": len(outcomes), "polls": seen}


def athena_reset():
    with ATHENA_LOCK:
        ATHENA_QUEUE.clear()
        ATHENA_OUTCOMES.clear()


def patch_athena():
    from moto.athena.responses import AthenaResponse

    start = AthenaResponse.start_query_execution
    get = AthenaResponse.get_query_execution
    results = AthenaResponse.get_query_results

    def start_query_execution(self):
        out = start(self)
        if isinstance(out, str):
            with ATHENA_LOCK:
                if ATHENA_QUEUE:
                    ATHENA_OUTCOMES[json.loads(out)["QueryExecutionId"]] = ATHENA_QUEUE.pop(0)
        return out

    def get_query_execution(self):
        out = json.loads(get(self))
        execution = out["QueryExecution"]
        with ATHENA_LOCK:
            o = ATHENA_OUTCOMES.get(execution["QueryExecutionId"])
            if o is not None:
                o["polls"] += 1
                pending = int(o.get("pending_polls", 0))
                if o["polls"] <= pending:
                    execution["Status"]["State"] = "QUEUED" if o["polls"] == 1 else "RUNNING"
                else:
                    execution["Status"]["State"] = o.get("state", "SUCCEEDED")
                    if o.get("reason"):
                        execution["Status"]["StateChangeReason"] = o["reason"]
                    execution["Statistics"]["DataScannedInBytes"] = int(o.get("scanned_bytes", 0))
        return json.dumps(out)

    def get_query_results(self):
        out = json.loads(results(self))
        rows = out["ResultSet"]["Rows"]
        size = min(int(self._get_param("MaxResults") or 1000), 1000)
        offset = int(self._get_param("NextToken") or 0)
        out["ResultSet"]["Rows"] = rows[offset : offset + size]
        if offset + size < len(rows):
            out["NextToken"] = str(offset + size)
        return json.dumps(out)

    AthenaResponse.start_query_execution = start_query_execution
    AthenaResponse.get_query_execution = get_query_execution
    AthenaResponse.get_query_results = get_query_results


# ---------------------------------------------------------------------------------------------
# EventBridge: events for a Lambda target (stock moto: NotImplementedError -> HTTP 500)
# ---------------------------------------------------------------------------------------------
# moto delivers a matched event to SQS, logs, archives and buses, and raises for any other target,
# so one Lambda target on a rule makes every PutEvents that matches it fail. The responder's rules
# target its function; tests see what a rule matched through a test queue added as a second target.
# Here Lambda targets are skipped (the event is not invoked: moto would need Docker for that) and
# the rule's other targets are served by moto's own code, on a shallow copy so the rule is not
# changed under a concurrent PutTargets.


def patch_events_lambda_targets():
    import copy

    from moto.events import models as events_models
    from moto.utilities.arns import parse_arn

    original = events_models.Rule.send_to_targets

    def send_to_targets(self, original_event, transform_input=True):
        kept = [t for t in self.targets if parse_arn(t["Arn"]).service != "lambda"]
        if len(kept) == len(self.targets):
            return original(self, original_event, transform_input)
        rule = copy.copy(self)
        rule.targets = kept
        return original(rule, original_event, transform_input)

    events_models.Rule.send_to_targets = send_to_targets


# ---------------------------------------------------------------------------------------------
# CloudFormation: what the responder's stack needs that stock moto lacks
# ---------------------------------------------------------------------------------------------
# - AWS::IAM::Role with inline Policies whose PolicyDocument is a JSON object (as CloudFormation
#   takes it): moto stores str(dict), a Python repr that GetRolePolicy then returns. Here the
#   document is serialised as JSON first, as moto already does for AssumeRolePolicyDocument.
# - AWS::SQS::QueuePolicy: not modelled, so moto skips it (no queue policy, a resource with no
#   type in DescribeStackResources). Here it sets the Policy attribute of each queue it names.


def patch_cloudformation_responder():
    from moto.core.common_models import CloudFormationModel
    from moto.sqs.models import sqs_backends

    original_role = iam_models.Role.create_from_cloudformation_json.__func__

    def create_role(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        for policy in cloudformation_json.get("Properties", {}).get("Policies", []):
            if not isinstance(policy.get("PolicyDocument"), str):
                policy["PolicyDocument"] = json.dumps(policy["PolicyDocument"])
        return original_role(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    iam_models.Role.create_from_cloudformation_json = classmethod(create_role)

    def queue_names(properties):
        # A queue's Ref is its URL; the backend is keyed by name.
        return [str(q).rstrip("/").split("/")[-1] for q in properties.get("Queues", [])]

    def set_policy(properties, account_id, region_name, document):
        backend = sqs_backends[account_id][region_name]
        for name in queue_names(properties):
            backend.set_queue_attributes(name, {"Policy": document})

    class QueuePolicy(CloudFormationModel):
        # moto's model metaclass files each model under the service its module names.
        __module__ = "moto.sqs.models"

        def __init__(self, resource_name, queues):
            self.resource_name = resource_name
            self.queues = queues

        @property
        def physical_resource_id(self):
            return self.resource_name

        @staticmethod
        def cloudformation_name_type():
            return ""

        @staticmethod
        def cloudformation_type():
            return "AWS::SQS::QueuePolicy"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            properties = cloudformation_json["Properties"]
            document = properties["PolicyDocument"]
            if not isinstance(document, str):
                document = json.dumps(document)
            set_policy(properties, account_id, region_name, document)
            return cls(resource_name, queue_names(properties))

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):
            return cls.create_from_cloudformation_json(
                original_resource.resource_name, cloudformation_json, account_id, region_name
            )

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            set_policy(cloudformation_json.get("Properties", {}), account_id, region_name, "")

    from moto.cloudformation import parsing

    # The model map is built once, from CloudFormationModel's subclasses: rebuilt with this one.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    return QueuePolicy


def main(argv):
    parser = argparse.ArgumentParser(description="keywarden's moto-based AWS emulator")
    parser.add_argument("port", nargs="?", type=int, default=0)
    parser.add_argument("--exit-with-parent", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    if moto.__version__ != EXPECTED_MOTO:
        print(
            f"keywarden emulator: warning: moto {moto.__version__} found, the patches here were "
            f"written for {EXPECTED_MOTO}",
            file=sys.stderr,
        )
    if not args.verbose:
        # werkzeug logs one stderr line per request; a bulk benchmark would drown the parent's pipe.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    if os.environ.get("MOTO_TEST_INACTIVE_KEYS_FAIL", "1") == "1":
        patch_inactive_keys()
    patch_password_changes()
    patch_credential_report()
    patch_managed_policy_loading()
    patch_authorization_details()
    patch_mfa()
    patch_simulation()
    patch_securityhub()
    patch_athena()
    patch_events_lambda_targets()
    patch_cloudformation_responder()

    server = make_server("127.0.0.1", args.port, App(), threaded=True)
    if args.exit_with_parent:
        threading.Thread(target=exit_with_parent, daemon=True).start()
    print(f"MOTO_PORT={server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
