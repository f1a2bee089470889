package no.altinn.systemuser;

/**
 * The answer to a create: the request, whether Altinn made it now ({@code isNew}: 201) or already
 * had one for the same (customer, external ref, system) ({@code false}: 200, whatever its status),
 * and whether the component found it by external ref after a lost answer ({@code reconciled}).
 */
public record CreatedRequest(SystemUserRequest request, boolean isNew, boolean reconciled) {}
