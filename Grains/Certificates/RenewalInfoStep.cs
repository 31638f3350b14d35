using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Acme;
using CertFleet.Providers.Pki;
using Microsoft.Extensions.Logging;

namespace CertFleet.Grains.Certificates;

/// <summary>ACME Renewal Information (RFC 9773) for the certificate in the Secret.</summary>
public static class RenewalInfoStep
{
    /// <summary>
    /// The CA's renewal suggestion for a certificate when its issuer is ACME; otherwise (or when asking fails) a
    /// note that none applies, so the local renewal rule is used.
    /// </summary>
    public static async Task<RenewalSuggestion> ForAsync(CertificatePass pass, CertificateInfo certificate)
    {
        var none = new RenewalSuggestion { SerialHex = certificate.SerialHex };
        try
        {
            if ((await pass.IssuerAsync())?.Acme is { } acme)
            {
                var suggestion = await pass.Actions.TrackRenewalInfoAsync(acme, Tracked(certificate));
                ReportError(pass.Actions, pass.State.RenewalInfo, suggestion);
                return suggestion;
            }
            if (pass.State.RenewalInfo?.CertId is not null)
                await pass.Actions.StopRenewalInfoAsync(); // now issued elsewhere: stop asking about the old certificate
            return none;
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            pass.Logger.LogWarning(ex, "Certificate {Namespace}/{Name}: renewal information not available", pass.Key.Namespace, pass.Name);
            // A silo lost or a call timed out inside this cluster is not the CA's answer: logged and shown in status, but no
            // ARIError Event (the next pass asks again).
            return none with { LastError = ex.Message };
        }
    }

    /// <summary>
    /// A Warning Event (cert-manager's ARIError) when asking for renewal information failed anew; renewal falls back to
    /// the local rule meanwhile. The same error again records nothing.
    /// </summary>
    public static void ReportError(ICertificateActions actions, RenewalSuggestion? previous, RenewalSuggestion next)
    {
        if (next.LastError is { } error && (previous?.LastError != error || previous.SerialHex != next.SerialHex))
            actions.RecordEvent(EventRecord.Warning, CertificateReasons.AriError,
                $"Failed to get ACME renewal information for the certificate with serial {next.SerialHex}: {error}; until it is, the renewal time is computed as without ARI");
    }

    /// <summary>The certificate as renewal information follows it, named by its ARI CertID when it can be.</summary>
    public static TrackedCertificate Tracked(CertificateInfo certificate)
    {
        try
        {
            return new(certificate.SerialHex, certificate.NotAfter, AcmeCertId.From(certificate.Der), null);
        }
        catch (ArgumentException ex)
        {
            return new(certificate.SerialHex, certificate.NotAfter, null, ex.Message);
        }
    }
}
