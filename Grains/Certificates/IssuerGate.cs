using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Certificates;

/// <summary>Whether the Certificate's issuer can sign for it now, from the pass's issuer snapshot.</summary>
public static class IssuerGate
{
    /// <summary>
    /// Null when the issuer can sign; otherwise the reason and message to show. An external issuer (another group) is
    /// not asked: as cert-manager does, its request is created and its controller answers in the request's status.
    /// </summary>
    public static async Task<PolicyViolation?> BlockerAsync(CertificatePass pass)
    {
        var issuerRef = pass.Object.Spec.IssuerRef;
        var kind = SignerNames.KindOf(issuerRef);
        if (SignerNames.GroupOf(issuerRef) != IssuerRef.DefaultGroup)
            return null;
        if (await pass.IssuerAsync() is not { } issuer)
            return new(CertFleetReasons.IssuerNotServed,
                $"spec.issuerRef names {kind}.{IssuerRef.DefaultGroup}, which is not a kind of that group; use Issuer or ClusterIssuer, or set spec.issuerRef.group to the group of the external issuer that serves {kind}");
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
}
