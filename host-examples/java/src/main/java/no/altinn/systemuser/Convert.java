package no.altinn.systemuser;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The records to and from libsystemuser's JSON members (camelCase, the CLI's vocabulary). */
final class Convert {
    private Convert() {}

    // ---- to JSON ----

    static Map<String, Object> standard(StandardRequest r) {
        return Json.obj("systemId", r.systemId(), "partyOrgNo", r.partyOrgNo(), "externalRef", r.externalRef(), "integrationTitle", r.integrationTitle(),
                "rights", r.rights() == null ? null : rights(r.rights()), "accessPackages", r.accessPackages() == null ? null : packages(r.accessPackages()),
                "redirectUrl", r.redirectUrl());
    }

    static Map<String, Object> agent(AgentRequest r) {
        return Json.obj("systemId", r.systemId(), "partyOrgNo", r.partyOrgNo(), "externalRef", r.externalRef(), "integrationTitle", r.integrationTitle(),
                "accessPackages", r.accessPackages() == null ? null : packages(r.accessPackages()), "redirectUrl", r.redirectUrl());
    }

    static List<Object> rights(List<Right> rights) {
        List<Object> out = new ArrayList<>();
        for (Right right : rights) {
            List<Object> pairs = new ArrayList<>();
            for (AttributePair p : right.resource()) pairs.add(Json.obj("id", p.id(), "value", p.value()));
            out.add(Json.obj("action", right.action(), "resource", pairs));
        }
        return out;
    }

    static List<Object> packages(List<AccessPackage> packages) {
        List<Object> out = new ArrayList<>();
        for (AccessPackage p : packages) out.add(Json.obj("urn", p.urn()));
        return out;
    }

    static Map<String, Object> system(RegisteredSystem s) {
        return Json.obj("id", s.id(), "vendorOrgNo", s.vendorOrgNo(), "name", text(s.name()), "description", text(s.description()),
                "rights", rights(s.rights()), "accessPackages", packages(s.accessPackages()), "clientIds", s.clientIds(), "isVisible", s.isVisible(),
                "allowedRedirectUrls", s.allowedRedirectUrls(), "isDeleted", s.isDeleted());
    }

    static Map<String, Object> update(SystemUpdate u) {
        return Json.obj("id", u.id(), "name", u.name() == null ? null : text(u.name()), "description", u.description() == null ? null : text(u.description()),
                "rights", u.rights() == null ? null : rights(u.rights()), "accessPackages", u.accessPackages() == null ? null : packages(u.accessPackages()),
                "clientIds", u.clientIds(), "isVisible", u.isVisible(), "allowedRedirectUrls", u.allowedRedirectUrls());
    }

    static Map<String, Object> bureau(Bureau b) {
        return Json.obj("orgNo", b.orgNo(), "externalRef", b.externalRef());
    }

    private static Map<String, Object> text(LocalizedText t) {
        return t == null ? Json.obj() : Json.obj("nb", t.nb(), "nn", t.nn(), "en", t.en());
    }

    // ---- from JSON ----

    static SystemUserRequest request(Map<String, Object> m) {
        String statusText = Json.optString(m, "statusText");
        String status = Json.string(m, "status");
        return new SystemUserRequest(Json.string(m, "id"), RequestKind.fromWireName(Json.string(m, "kind")), RequestStatus.fromWireName(status),
                statusText != null ? statusText : status, RequestStatus.fromWireName(Json.string(m, "effectiveStatus")), Json.string(m, "systemId"),
                Json.string(m, "partyOrgNo"), Json.string(m, "externalRef"), Json.optString(m, "integrationTitle"), rightsOf(m, "rights"),
                packagesOf(m, "accessPackages"), Json.optString(m, "redirectUrl"), Json.optString(m, "confirmUrl"), Json.bool(m, "escalated", false),
                instant(Json.optString(m, "created")), Json.bool(m, "timedOut", false));
    }

    static CreatedRequest created(Map<String, Object> outcome) {
        return new CreatedRequest(request(Json.object(outcome, "request")), Json.bool(outcome, "isNew", false), Json.bool(outcome, "reconciled", false));
    }

    static SystemUser user(Map<String, Object> m) {
        String type = Json.optString(m, "userType");
        return new SystemUser(Json.string(m, "id"), Json.optString(m, "integrationTitle"), Json.string(m, "systemId"), Json.optString(m, "productName"),
                Json.optString(m, "reporteeOrgNo"), instant(Json.optString(m, "created")), Json.bool(m, "isDeleted", false), Json.optString(m, "supplierName"),
                Json.optString(m, "supplierOrgNo"), Json.optString(m, "externalRef"), type == null ? UserType.UNKNOWN : UserType.fromWireName(type), type);
    }

    static RegisteredSystem registeredSystem(Map<String, Object> m) {
        return new RegisteredSystem(Json.string(m, "id"), Json.optString(m, "vendorOrgNo"), localized(Json.optObject(m, "name")),
                localized(Json.optObject(m, "description")), rightsOf(m, "rights"), packagesOf(m, "accessPackages"), Json.strings(m, "clientIds"),
                Json.bool(m, "isVisible", true), Json.strings(m, "allowedRedirectUrls"), Json.bool(m, "isDeleted", false));
    }

    static List<RegisteredSystem> systems(Map<String, Object> outcome) {
        List<RegisteredSystem> out = new ArrayList<>();
        for (Map<String, Object> m : Json.objects(outcome, "items")) out.add(registeredSystem(m));
        return out;
    }

    static SystemRegistration registration(Map<String, Object> outcome) {
        return new SystemRegistration(Json.optString(outcome, "internalId"), Json.bool(outcome, "reconciled", false));
    }

    static List<SystemChange> changelog(Map<String, Object> outcome) {
        List<SystemChange> out = new ArrayList<>();
        for (Map<String, Object> m : Json.objects(outcome, "items")) {
            out.add(new SystemChange(Json.string(m, "systemInternalId"), Json.string(m, "changedByOrgNo"), Json.string(m, "changeType"),
                    changedData(m.get("changedData")), Json.optString(m, "clientId"), instant(Json.optString(m, "created"))));
        }
        return out;
    }

    /** The body that was sent, as its text: the library gives JSON as JSON and anything else as a string of its text. */
    private static String changedData(Object data) {
        if (data == null) return null;
        return data instanceof String text ? text : Json.write(data);
    }

    static List<AgentSystemUser> agents(Map<String, Object> outcome) {
        List<AgentSystemUser> out = new ArrayList<>();
        for (Map<String, Object> m : Json.objects(outcome, "items")) {
            out.add(new AgentSystemUser(user(m), Json.optString(m, "systemInternalId"), Json.optString(m, "partyUuid"), packagesOf(m, "accessPackages")));
        }
        return out;
    }

    static ClientList clients(Map<String, Object> outcome) {
        Map<String, Object> l = Json.object(outcome, "clients");
        List<BureauClient> clients = new ArrayList<>();
        for (Map<String, Object> c : Json.objects(l, "clients")) clients.add(new BureauClient(Json.string(c, "id"), Json.string(c, "orgNo"), Json.optString(c, "name")));
        return new ClientList(Json.string(l, "systemUserId"), Json.string(l, "ownerOrgNo"), clients);
    }

    static ClientLink link(Map<String, Object> outcome) {
        return new ClientLink(Json.string(outcome, "agent"), Json.string(outcome, "client"));
    }

    static <T> Page<T> page(Map<String, Object> outcome, java.util.function.Function<Map<String, Object>, T> item) {
        List<T> items = new ArrayList<>();
        for (Map<String, Object> m : Json.objects(outcome, "items")) items.add(item.apply(m));
        return new Page<>(items, Json.optString(outcome, "nextPage"));
    }

    static AccessToken token(Map<String, Object> outcome) {
        Map<String, Object> t = Json.object(outcome, "token");
        return new AccessToken(Json.string(t, "accessToken"), Json.optString(t, "scope"), instant(Json.optString(t, "expiresAt")));
    }

    private static LocalizedText localized(Map<String, Object> m) {
        return m == null ? new LocalizedText(null, null, null) : new LocalizedText(Json.optString(m, "nb"), Json.optString(m, "nn"), Json.optString(m, "en"));
    }

    static List<Right> rightsOf(Map<String, Object> m, String key) {
        List<Right> out = new ArrayList<>();
        for (Map<String, Object> r : Json.objects(m, key)) {
            List<AttributePair> pairs = new ArrayList<>();
            for (Map<String, Object> p : Json.objects(r, "resource")) pairs.add(new AttributePair(Json.string(p, "id"), Json.string(p, "value")));
            out.add(new Right(Json.optString(r, "action"), pairs));
        }
        return out;
    }

    static List<AccessPackage> packagesOf(Map<String, Object> m, String key) {
        List<AccessPackage> out = new ArrayList<>();
        for (Map<String, Object> p : Json.objects(m, key)) out.add(new AccessPackage(Json.string(p, "urn")));
        return out;
    }

    private static Instant instant(String text) {
        if (text == null) return null;
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalStateException("libsystemuser answered a timestamp that is not ISO 8601 UTC");
        }
    }
}
