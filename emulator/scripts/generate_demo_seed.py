#!/usr/bin/env python3
"""Generate seed/demo-tenant.json: the Contoso demo tenant the emulator starts with.

Object ids are UUIDv5 values derived from stable names, so they look like real
directory object ids and never change between runs.
"""
import json
import os
import uuid

NS = uuid.UUID("3f1c2a9e-7b0d-4c55-9a61-5d2e8f4b7c10")
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "seed", "demo-tenant.json")
DOMAIN = "contoso.example"


def oid(kind, name):
    # Directory object ids are random (version 4) GUIDs; derive the bits from a
    # name hash so they are stable, then mark them as version 4 like the real ones.
    return str(uuid.UUID(bytes=uuid.uuid5(NS, kind + ":" + name).bytes, version=4))


ROLE_TEMPLATES = {
    "Global Administrator": ("62e90394-69f5-4237-9190-012177145e10", "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."),
    "User Administrator": ("fe930be7-5e62-47db-91af-98c3a49a38b1", "Can manage all aspects of users and groups, including resetting passwords for limited admins."),
    "Helpdesk Administrator": ("729827e3-9c14-49f7-bb1b-9608f156bbb8", "Can reset passwords for non-administrators and Helpdesk Administrators."),
    "Directory Readers": ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Can read basic directory information. Commonly used to grant directory read access to applications and guests."),
}

# (given, surname, title) per department; the first one heads the department.
PEOPLE = {
    "Executive": [("Megan", "Bowen", "Chief Executive Officer"), ("Grace", "Liu", "Chief of Staff")],
    "Sales": [("Alex", "Wilber", "VP Sales"), ("Adele", "Vance", "Account Executive"), ("Diego", "Siciliani", "Account Executive"), ("Patti", "Fernandez", "Sales Operations Analyst"), ("Shane", "O'Neil", "Account Manager"), ("Grady", "Archie", "Sales Engineer"), ("Irvin", "Sayers", "Business Development Rep"), ("Lidia", "Holloway", "Account Manager")],
    "Engineering": [("Johanna", "Lorenz", "VP Engineering"), ("Miriam", "Graham", "Principal Engineer"), ("Enrico", "Cattaneo", "Senior Software Engineer"), ("Henrietta", "Mueller", "Software Engineer"), ("Raul", "Razo", "Software Engineer"), ("Cameron", "White", "QA Engineer"), ("Allan", "Deyoung", "Site Reliability Engineer"), ("Emily", "Braun", "Engineering Manager"), ("Isabel", "Garcia", "Software Engineer")],
    "Finance": [("Christie", "Cline", "CFO"), ("Joni", "Sherman", "Controller"), ("Lee", "Gu", "Financial Analyst"), ("Nina", "Petrova", "Accounts Payable Specialist"), ("Omar", "Haddad", "Payroll Specialist"), ("Ben", "Walters", "Financial Analyst"), ("Zrinka", "Makovac", "Treasury Analyst"), ("Sofia", "Costa", "Tax Specialist")],
    "HR": [("Debra", "Berger", "HR Director"), ("Pradeep", "Gupta", "HR Business Partner"), ("Vanessa", "Dumont", "Recruiter"), ("Tomás", "Reyes", "Recruiter"), ("Aiko", "Tanaka", "People Operations Specialist"), ("Kenji", "Mori", "Benefits Coordinator"), ("Liam", "O'Brien", "HR Generalist")],
    "IT": [("Isaiah", "Langer", "IT Director"), ("Lynne", "Robbins", "Service Desk Lead"), ("Nestor", "Wilke", "Identity Engineer"), ("Priya", "Nair", "Service Desk Analyst"), ("Samuel", "Okafor", "Systems Administrator"), ("Ingrid", "Larsen", "Network Engineer"), ("Mateo", "Rossi", "Service Desk Analyst"), ("Ahmed", "Ali", "Endpoint Engineer")],
    "Marketing": [("Lena", "Fischer", "CMO"), ("Carlos", "Mendes", "Content Strategist"), ("Fatima", "Khan", "Product Marketing Manager"), ("Noah", "Schmidt", "Marketing Analyst"), ("Olivia", "Brown", "Brand Designer"), ("Yusuf", "Demir", "Events Coordinator"), ("Hannah", "Kowalski", "Social Media Manager"), ("Ravi", "Iyer", "Growth Marketer")],
}
OFFICES = {"Executive": "HQ 1/100", "Sales": "HQ 2/210", "Engineering": "Redmond 3/301", "Finance": "HQ 4/410", "HR": "HQ 4/420", "IT": "Redmond 1/110", "Marketing": "HQ 2/250"}


def ascii_fold(s):
    return s.replace("á", "a").replace("é", "e").replace("ó", "o").replace("í", "i").replace("ú", "u")


def identity_users(find):
    """People whose sign-in name is not their address, added after the others.

    Jordan Lee signs in with an employee-number UPN; their mail and an alias
    are proxy addresses. Avery Kim is a B2B guest from a partner: the UPN is
    derived from the invited address with `#EXT#` at the initial domain, the
    mail is the partner address. Entra keeps proxy addresses unique across the
    directory and adds every mail to them, so no two users share an address
    here; the ambiguous case is built by hand in the tests.
    """
    engineering_head = find("johanna.lorenz")
    jordan = {
        "id": oid("user", "e1051@" + DOMAIN),
        "displayName": "Jordan Lee",
        "givenName": "Jordan",
        "surname": "Lee",
        "userPrincipalName": "e1051@" + DOMAIN,
        "mail": "jordan.lee@" + DOMAIN,
        "proxyAddresses": ["SMTP:jordan.lee@" + DOMAIN, "smtp:jlee@" + DOMAIN],
        "mailNickname": "jordan.lee",
        "userType": "Member",
        "jobTitle": "Platform Engineer",
        "department": "Engineering",
        "companyName": "Contoso Ltd",
        "officeLocation": OFFICES["Engineering"],
        "businessPhones": ["+1 425 555 1051"],
        "mobilePhone": None,
        "preferredLanguage": "en-US",
        "accountEnabled": True,
        "employeeId": "E1051",
        "employeeType": "Employee",
        "employeeHireDate": "2023-03-06T00:00:00Z",
        "usageLocation": "US",
        "createdDateTime": "2024-03-06T09:00:00Z",
        "onPremisesSyncEnabled": None,
        "manager": engineering_head["id"],
    }
    guest_upn = "avery.kim_northwind.example#EXT#@contosodemo.onmicrosoft.com"
    guest = {
        "id": oid("user", guest_upn),
        "displayName": "Avery Kim (Northwind)",
        "givenName": "Avery",
        "surname": "Kim",
        "userPrincipalName": guest_upn,
        "mail": "avery.kim@northwind.example",
        "proxyAddresses": ["SMTP:avery.kim@northwind.example"],
        "otherMails": ["avery.kim@northwind.example"],
        "mailNickname": "avery.kim_northwind.example#EXT#",
        "userType": "Guest",
        "creationType": "Invitation",
        "externalUserState": "Accepted",
        "externalUserStateChangeDateTime": "2025-02-11T15:20:00Z",
        "companyName": "Northwind Traders",
        "jobTitle": "Implementation Consultant",
        "department": None,
        "businessPhones": [],
        "accountEnabled": True,
        "usageLocation": "US",
        "createdDateTime": "2025-02-10T10:00:00Z",
        "onPremisesSyncEnabled": None,
        "manager": None,
    }
    return [jordan, guest]


TENANT_ID = "8a3f5c2e-4b71-4d0a-9e36-2c5b7d18f4a9"
# Microsoft's SKU and service plan ids ("Product names and service plan
# identifiers for licensing", learn.microsoft.com/entra/identity/users/licensing-service-plan-reference).
E3_SKU = "6fd2c87f-b296-42f0-b197-1e91e994b900"  # Office 365 E3
E5_SKU = "06ebc4ee-1bb5-47dd-8120-11324bc54e06"  # Microsoft 365 E5
E3_PLANS = [
    ("efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"),
    ("5dbe027f-2339-4123-9542-606e4d348a72", "SHAREPOINTENTERPRISE"),
    ("57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1"),
    ("0feaeb32-d00e-4d66-bd5a-43b5b83db82c", "MCOSTANDARD"),
    ("43de0ff5-c92c-492b-9116-175376d08c38", "OFFICESUBSCRIPTION"),
]
E5_PLANS = [
    ("efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"),
    ("57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1"),
    ("eec0eb4f-6444-4f95-aba0-50c24d67f998", "AAD_PREMIUM_P2"),
    ("4828c8ec-dc2e-4779-b502-87ac9ce28ab7", "MCOEV"),
]


def subscribed_sku(sku_id, part_number, seats, plans):
    """A subscribedSku as Graph lists it; consumedUnits is counted by the emulator."""
    return {
        "id": TENANT_ID + "_" + sku_id,
        "accountId": TENANT_ID,
        "accountName": "Contoso Ltd",
        "appliesTo": "User",
        "capabilityStatus": "Enabled",
        "skuId": sku_id,
        "skuPartNumber": part_number,
        "subscriptionIds": [oid("subscription", part_number)],
        "prepaidUnits": {"enabled": seats, "suspended": 0, "warning": 0, "lockedOut": 0},
        "servicePlans": [
            {"servicePlanId": pid, "servicePlanName": name, "provisioningStatus": "Success", "appliesTo": "User"}
            for pid, name in plans
        ],
    }
# Authentication methods (user.resetMfa): the first of a user's list is the
# default sign-in method. Ids are stable, from the user's UPN and the type.
AUTH_METHOD_TYPES = {
    "phone": "phoneAuthenticationMethod",
    "authenticator": "microsoftAuthenticatorAuthenticationMethod",
    "fido2": "fido2AuthenticationMethod",
}


def add_authentication_methods(seed, find):
    """Phone and Microsoft Authenticator for the demo's plain users, FIDO2 too
    for one; and the least per-type permissions an MFA reset needs."""
    def method(user, kind, **props):
        m = {"@odata.type": "#microsoft.graph." + AUTH_METHOD_TYPES[kind],
             "id": oid("authMethod", user["userPrincipalName"] + "/" + kind),
             "createdDateTime": "2025-03-0%dT10:00:00Z" % (1 + len(kind) % 8)}
        m.update(props)
        return m

    def phone(user):
        return method(user, "phone", phoneNumber=user["businessPhones"][0], phoneType="mobile", smsSignInState="notAllowedByPolicy")

    def authenticator(user):
        return method(user, "authenticator", displayName="iPhone 15", deviceTag="SoftwareTokenActivated", phoneAppVersion="6.8.12")

    for prefix in ["adele.vance", "alex.wilber", "megan.bowen", "diego.siciliani", "lee.gu", "isaiah.langer"]:
        user = find(prefix)
        user["authenticationMethods"] = [phone(user), authenticator(user)]
    fido = find("alex.wilber")
    fido["authenticationMethods"].append(method(fido, "fido2", displayName="YubiKey 5 NFC", aaGuid="cb69481e-8ff7-4039-93ec-0a2729a154a8", model="YubiKey 5 Series", attestationLevel="attested"))
    seed["app"]["applicationPermissions"].extend([
        "UserAuthenticationMethod.Read.All",
        "UserAuthMethod-Phone.ReadWrite.All",
        "UserAuthMethod-MicrosoftAuthApp.ReadWrite.All",
        "UserAuthMethod-Passkey.ReadWrite.All",
        "UserAuthMethod-SoftwareOATH.ReadWrite.All",
        "UserAuthMethod-Email.ReadWrite.All",
        "UserAuthMethod-WindowsHello.ReadWrite.All",
    ])


def main():
    users, heads = [], {}
    employee_no = 1000
    for dept, people in PEOPLE.items():
        for index, (given, surname, title) in enumerate(people):
            employee_no += 1
            nick = ascii_fold(given.lower() + "." + surname.lower().replace(" ", ""))
            upn = nick + "@" + DOMAIN
            user = {
                "id": oid("user", upn),
                "displayName": given + " " + surname,
                "givenName": given,
                "surname": surname,
                "userPrincipalName": upn,
                "mail": upn,
                "mailNickname": nick.replace("'", ""),
                "jobTitle": title,
                "department": dept,
                "companyName": "Contoso Ltd",
                "officeLocation": OFFICES[dept],
                "businessPhones": ["+1 425 555 %04d" % (employee_no % 10000)],
                "mobilePhone": None,
                "preferredLanguage": "en-US",
                "accountEnabled": True,
                "employeeId": "E%d" % employee_no,
                "employeeType": "Employee",
                "employeeHireDate": "20%02d-0%d-0%dT00:00:00Z" % (15 + employee_no % 10, 1 + employee_no % 9, 1 + employee_no % 8),
                "usageLocation": "US",
                "createdDateTime": "2024-0%d-1%dT09:00:00Z" % (1 + employee_no % 9, employee_no % 10),
                "onPremisesSyncEnabled": None,
            }
            if index == 0:
                heads[dept] = user["id"]
                user["manager"] = None
            else:
                user["manager"] = heads[dept]
            users.append(user)
    for user in users:
        if user["department"] != "Executive" and user["manager"] is None:
            user["manager"] = heads["Executive"]

    def find(upn_prefix):
        return next(u for u in users if u["userPrincipalName"].startswith(upn_prefix))

    # A contractor, a leaver (disabled) and an on-premises synced user.
    find("raul.razo")["employeeType"] = "Contractor"
    leaver = find("ben.walters")
    leaver["accountEnabled"] = False
    leaver["employeeLeaveDateTime"] = "2026-10-31T17:00:00Z"
    synced = find("joni.sherman")
    synced.update({
        "onPremisesSyncEnabled": True,
        "onPremisesImmutableId": "fYtQ5ZQ0m0qVvX3X8x9r2w==",
        "onPremisesSamAccountName": "jsherman",
        "onPremisesDomainName": "corp.contoso.example",
        "onPremisesUserPrincipalName": "joni.sherman@contoso.example",
        "onPremisesLastSyncDateTime": "2026-11-25T22:14:03Z",
        "onPremisesSecurityIdentifier": "S-1-5-21-1180699209-877415012-3182924384-1104",
    })
    # A user on the second verified domain.
    fab = find("olivia.brown")
    fab["userPrincipalName"] = fab["mail"] = "olivia.brown@fabrikam.example"
    fab["id"] = oid("user", fab["userPrincipalName"])

    users.extend(identity_users(find))

    # Licences: Office 365 E3 assigned directly to Sales, Engineering and
    # Marketing (seats left); Microsoft 365 E5 through a licensing group with
    # every seat taken, so its fourth member's inherited licence is in error
    # (CountViolation); one Marketing user has no usageLocation yet.
    for u in users:
        if u["department"] in ("Sales", "Engineering", "Marketing") and u.get("userType") != "Guest":
            u["assignedLicenses"] = [{"skuId": E3_SKU, "disabledPlans": []}]
    find("noah.schmidt")["usageLocation"] = None
    find("noah.schmidt").pop("assignedLicenses", None)

    by_dept = {}
    for u in users:
        if u["department"]:
            by_dept.setdefault(u["department"], []).append(u["id"])
    all_ids = [u["id"] for u in users if u.get("userType") != "Guest"]

    def group(name, nick, members, security=True, mail=False, types=None, **extra):
        g = {
            "id": oid("group", name),
            "displayName": name,
            "description": extra.pop("description", name),
            "mailNickname": nick,
            "mail": (nick + "@" + DOMAIN) if mail else None,
            "mailEnabled": mail,
            "securityEnabled": security,
            "groupTypes": types or [],
            "createdDateTime": "2024-01-15T08:00:00Z",
            "visibility": "Private" if "Unified" in (types or []) else None,
            "isAssignableToRole": False,
            "onPremisesSyncEnabled": None,
            "membershipRule": None,
            "membershipRuleProcessingState": None,
            "members": members,
        }
        g.update(extra)
        return g

    eng_group = group("Engineering", "engineering", by_dept["Engineering"], description="Engineering department")
    groups = [
        group("All Staff", "allstaff", all_ids, description="Every Contoso employee"),
        group("Sales Team", "salesteam", by_dept["Sales"], mail=True, types=["Unified"], description="Sales department (Microsoft 365 group)"),
        eng_group,
        group("Finance", "finance", by_dept["Finance"], description="Finance department"),
        group("HR", "hr", by_dept["HR"], description="Human resources"),
        group("IT", "it", by_dept["IT"], description="IT department"),
        group("Marketing Team", "marketingteam", by_dept["Marketing"], mail=True, types=["Unified"], description="Marketing department (Microsoft 365 group)"),
        group("App - Salesforce Users", "app-salesforce", by_dept["Sales"][:5], description="Access to Salesforce"),
        group("App - GitHub Enterprise", "app-github", [eng_group["id"]], description="Access to GitHub Enterprise (nested: Engineering)"),
        group("App - Jira Service Management Agents", "app-jsm-agents", by_dept["IT"][1:5], description="JSM agent licences"),
        group("Dynamic - Engineering Contractors", "dyn-eng-contractors", [find("raul.razo")["id"]], types=["DynamicMembership"],
              membershipRule='(user.department -eq "Engineering") and (user.employeeType -eq "Contractor")', membershipRuleProcessingState="On",
              description="Dynamic membership by rule"),
        group("Security Alerts", "securityalerts", by_dept["IT"][:3], mail=True, description="Mail-enabled security group"),
        group("Contoso Newsletter", "newsletter", by_dept["Marketing"][:4], security=False, mail=True, description="Distribution list"),
        group("Finance Approvers (AD)", "financeapprovers", by_dept["Finance"][:3], onPremisesSyncEnabled=True,
              onPremisesLastSyncDateTime="2026-11-25T22:14:03Z", onPremisesSamAccountName="FinanceApprovers",
              onPremisesSecurityIdentifier="S-1-5-21-1180699209-877415012-3182924384-2201", description="Synchronised from Active Directory"),
        group("Privileged Support Staff", "privsupport", [find("priya.nair")["id"]], isAssignableToRole=True, description="Role-assignable group"),
    ]
    licensing = group("Licensing - Microsoft 365 E5", "licensing-e5",
                      [find(p)["id"] for p in ("megan.bowen", "grace.liu", "isaiah.langer", "lena.fischer")],
                      description="Group-based licensing: Microsoft 365 E5",
                      assignedLicenses=[{"skuId": E5_SKU, "disabledPlans": []}])
    # Appended after the role-assignable group, which role_members reads as groups[-1].

    app_sp = oid("servicePrincipal", "entra-id-connect-for-jsm")
    roles = []
    role_members = {
        "Global Administrator": [find("isaiah.langer")["id"]],
        "User Administrator": [find("nestor.wilke")["id"], app_sp],
        "Helpdesk Administrator": [find("lynne.robbins")["id"], groups[-1]["id"]],
        "Directory Readers": [],
    }
    groups.append(licensing)
    for name, (template, description) in ROLE_TEMPLATES.items():
        roles.append({
            "id": oid("directoryRole", template),
            "displayName": name,
            "description": description,
            "roleTemplateId": template,
            "members": role_members[name],
        })

    seed = {
        "tenant": {
            "id": "8a3f5c2e-4b71-4d0a-9e36-2c5b7d18f4a9",
            "displayName": "Contoso Ltd",
            "verifiedDomains": [
                {"name": "contoso.example", "isDefault": True, "isInitial": False, "type": "Managed", "capabilities": "Email, OfficeCommunicationsOnline"},
                {"name": "fabrikam.example", "isDefault": False, "isInitial": False, "type": "Managed", "capabilities": "Email"},
                {"name": "contosodemo.onmicrosoft.com", "isDefault": False, "isInitial": True, "type": "Managed", "capabilities": "Email, OfficeCommunicationsOnline"},
            ],
            "countryLetterCode": "US",
            "city": "Redmond",
            # The authentication methods policy's TAP configuration (Entra's defaults).
            "temporaryAccessPassPolicy": {
                "state": "enabled",
                "minimumLifetimeInMinutes": 60,
                "maximumLifetimeInMinutes": 480,
                "defaultLifetimeInMinutes": 60,
                "isUsableOnce": False,
                "defaultLength": 8,
            },
            "tokenLifetimeSeconds": 3599,
        },
        "app": {
            "displayName": "Entra ID Connect for JSM",
            "clientId": "5d7f2b9c-1e34-4a8b-b6d2-9c0e1f3a7b45",
            "clientSecret": "emu~Q8k.demo-secret-not-for-production~v2",
            "servicePrincipalId": app_sp,
            "applicationPermissions": [
                "User.ReadWrite.All",
                "GroupMember.ReadWrite.All",
                "User-PasswordProfile.ReadWrite.All",
                "UserAuthMethod-TAP.ReadWrite.All",
                "User.RevokeSessions.All",
                "RoleManagement.Read.Directory",
                "User-LifeCycleInfo.ReadWrite.All",
                "Group.Read.All",
                "Organization.Read.All",
                "Policy.Read.AuthenticationMethod",
            ],
        },
        "directoryRoles": roles,
        "users": users,
        "groups": groups,
        "subscribedSkus": [
            subscribed_sku(E3_SKU, "ENTERPRISEPACK", 30, E3_PLANS),
            subscribed_sku(E5_SKU, "SPE_E5", 3, E5_PLANS),
        ],
        "faults": {},
    }
    add_authentication_methods(seed, find)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(seed, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
