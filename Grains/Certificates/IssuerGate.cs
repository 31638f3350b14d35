using CertFleet.Grains.Policies;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Certificates;

/// <summary>Whether the Certificate's issuer can sign for it now, from the pass's issuer snapshot.</summary>
public static class IssuerGate
{
    /// <summary>CertFleet serves Issuers and ClusterIssuers of group cert-manager.io; other issuerRefs are never asked.</summary>
    public static bool IsServed(IssuerRef issuerRef) =>
        GroupOf(issuerRef) == IssuerRef.DefaultGroup && KindOf(issuerRef) is "Issuer" or "ClusterIssuer";

    /// <summary>Null when the issuer can sign; otherwise the reason and message to show.</summary>
    public static async Task<PolicyViolation?> BlockerAsync(CertificatePass pass)
    {
        var issuerRef = pass.Object.Spec.IssuerRef;
        var kind = KindOf(issuerRef);
        if (await pass.IssuerAsync() is not { } issuer)
            return new(CertFleetReasons.IssuerNotServed,
                $"spec.issuerRef names {kind}.{GroupOf(issuerRef)}, which CertFleet does not serve; use an Issuer or ClusterIssuer of group cert-manager.io");
        var readiness = issuer.Readiness;
        if (CertificateSpecValidation.ValidateForIssuer(pass.Object.Spec, readiness.IssuerType) is { Count: > 0 } invalid)
            return new(CertFleetReasons.InvalidSpec, $"The Certificate spec is invalid for {kind} \"{issuerRef.Name}\": {CertificateSpecValidation.Describe(invalid)}");
        if (!readiness.Exists)
            return new(CertFleetReasons.IssuerNotFound, $"Referenced {kind} \"{issuerRef.Name}\" not found; create it or fix spec.issuerRef");
        if (!readiness.Ready)
            return new(CertFleetReasons.IssuerNotReady, $"Referenced {kind} \"{issuerRef.Name}\" is not ready: {readiness.Reason}: {readiness.Message}");
        return null;
    }

    /// <summary>
    /// Shows why the issuer cannot sign and slows the reminder (the issuer wakes this Certificate when it changes);
    /// false then. Once it can sign again, the reminder goes back to the issuance's pace.
    /// </summary>
    public static async Task<bool> PassAsync(CertificatePass pass, IssuanceProgress issuance)
    {
        if (await BlockerAsync(pass) is { } blocker)
        {
            await ReadinessStep.WriteAsync(pass, ReadinessStep.Ready(pass, blocker), ReadinessStep.Issuing(pass, issuance.Reason, issuance.Message));
            pass.Actions.RecordEvent(EventRecord.Warning, blocker.Reason, blocker.Message);
            await pass.Actions.WakeAtAsync(pass.Now + CertificatePass.IssuerWaitPeriod, CertificatePass.IssuerWaitPeriod);
            pass.Memory.WaitingOnIssuer = true;
            return false;
        }
        if (pass.Memory.WaitingOnIssuer)
        {
            await pass.Actions.WakeAtAsync(pass.Now + CertificatePass.ActivePeriod, CertificatePass.ActivePeriod);
            pass.Memory.WaitingOnIssuer = false;
        }
        return true;
    }

    private static string GroupOf(IssuerRef issuerRef) => string.IsNullOrEmpty(issuerRef.Group) ? IssuerRef.DefaultGroup : issuerRef.Group;

    private static string KindOf(IssuerRef issuerRef) => string.IsNullOrEmpty(issuerRef.Kind) ? IssuerRef.DefaultKind : issuerRef.Kind;
}
