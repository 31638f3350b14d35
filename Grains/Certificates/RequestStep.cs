using System.Globalization;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.Policies;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;
using Microsoft.Extensions.Logging;
using ApiAnnotations = CertFleet.Interfaces.Api.Annotations;

namespace CertFleet.Grains.Certificates;

/// <summary>
/// cert-manager's request manager: the CSR and the CertificateRequest for the issuance's revision, created once
/// (step <see cref="IssuanceStep.RequestCreated"/>) and submitted to its grain with the pass's issuer snapshot.
/// </summary>
public static class RequestStep
{
    /// <summary>Builds the CSR with the next key and creates the CertificateRequest object.</summary>
    public static async Task CreateAsync(CertificatePass pass, IssuanceProgress issuance, PrivateKey key)
    {
        issuance.CsrPem ??= await Task.Run(() => CsrBuilder.BuildPem(CertificateTemplates.From(pass.Object.Spec), key));
        var request = RequestFor(pass, issuance);
        CertificateRequest created;
        try
        {
            created = await pass.Actions.CreateRequestAsync(request);
        }
        catch (ClusterWriteException ex)
        {
            // The pass fails and is retried; the Event says why no request appears (cert-manager's request manager's).
            pass.Actions.RecordEvent(EventRecord.Warning, EventReasons.RequestFailed,
                $"Failed to create CertificateRequest \"{request.Metadata.Name}\": {ex.Message}");
            throw;
        }
        issuance.RequestName = request.Metadata.Name;
        issuance.RequestUid = created.Metadata.Uid;
        // Submitted as built (an object of that name left from before may hold another CSR), with the uid it got.
        pass.Memory.Request = request with { Metadata = request.Metadata with { Uid = created.Metadata.Uid } };
        pass.State.Step = IssuanceStep.RequestCreated;
        await pass.Actions.SaveStateAsync();
        pass.Actions.RecordEvent(EventRecord.Normal, EventReasons.Requested, $"Created new CertificateRequest resource \"{issuance.RequestName}\"");
    }

    /// <summary>
    /// Submits the request unless its outcome is already final; true once it is (step
    /// <see cref="IssuanceStep.OutcomeKnown"/>). While the issuer works, a Secret without a usable key pair may get a
    /// temporary certificate.
    /// </summary>
    public static async Task<bool> SubmitAsync(CertificatePass pass, IssuanceProgress issuance, PrivateKey key)
    {
        if (issuance.Outcome is not { IsFinal: true })
        {
            var request = pass.Memory.Request is { } created && created.Metadata.Name == issuance.RequestName
                ? created
                : pass.Memory.Request = RequestFor(pass, issuance); // resumed in a new activation: the same request again
            issuance.Outcome = await pass.Actions.SubmitRequestAsync(request, await pass.IssuerAsync());
            if (!issuance.Outcome.IsFinal)
            {
                await EnsureTemporaryCertificateAsync(pass, issuance, key);
                return false; // RequestChangedAsync brings the outcome
            }
        }
        pass.State.Step = IssuanceStep.OutcomeKnown;
        return true;
    }

    /// <summary>While the issuer works, a Secret without a usable key pair may get a placeholder (see <see cref="TemporaryCertificate"/>).</summary>
    private static async Task EnsureTemporaryCertificateAsync(CertificatePass pass, IssuanceProgress issuance, PrivateKey key)
    {
        string? version;
        try
        {
            version = await pass.Actions.EnsureTemporaryCertificateAsync(key);
        }
        catch (PkiException ex)
        {
            pass.Logger.LogWarning(ex, "Certificate {Namespace}/{Name}: no temporary certificate", pass.Key.Namespace, pass.Name);
            return;
        }
        if (version is null)
            return;
        pass.State.SecretResourceVersion = version;
        await pass.Actions.SaveStateAsync();
        pass.Actions.RecordEvent(EventRecord.Normal, EventReasons.Issuing, "Issued temporary certificate");
        await ReadinessStep.WriteAsync(pass, ReadinessStep.Ready(pass, CertificatePolicies.TemporaryCertificateViolation(pass.Object.Spec.IssuerRef)),
            ReadinessStep.Issuing(pass, issuance.Reason, issuance.Message));
    }

    /// <summary>The CertificateRequest for the issuance's revision, as cert-manager's request manager shapes it.</summary>
    public static CertificateRequest RequestFor(CertificatePass pass, IssuanceProgress issuance)
    {
        var certificate = pass.Object;
        var spec = certificate.Spec;
        // Already reduced to the copied annotations when the Certificate was synced.
        var annotations = new Dictionary<string, string>(certificate.Metadata.Annotations ?? [])
        {
            [ApiAnnotations.CertificateRevision] = issuance.Revision.ToString(CultureInfo.InvariantCulture),
            [ApiAnnotations.PrivateKeySecretName] = issuance.NextPrivateKeySecretName!,
            [ApiAnnotations.CertificateName] = pass.Name,
        };
        if (spec.DnsPolicy is { } dnsPolicy)
            annotations[CertificateRequestGrain.DnsPolicyAnnotation] = dnsPolicy;
        // A renewal asks for exactly the identifiers already issued; the request says so to the Order's budgets.
        if (BudgetsStep.IsRenewal(pass.State, issuance.For))
            annotations[CertificateRequestGrain.RenewalAnnotation] = "true";
        if (issuance.Replaces is { } replaces)
            annotations[CertificateRequestGrain.ReplacesAnnotation] = replaces;
        return new CertificateRequest
        {
            Metadata = new ObjectMeta
            {
                Name = Name(pass.Name, issuance.Revision),
                Namespace = pass.Key.Namespace,
                Uid = issuance.RequestUid,
                Labels = certificate.Metadata.Labels is { } labels ? new(labels) : null,
                Annotations = annotations,
                OwnerReferences =
                [
                    new OwnerReference
                    {
                        ApiVersion = Certificate.GroupVersion, Kind = Certificate.KindName, Name = pass.Name,
                        Uid = certificate.Metadata.Uid ?? "", Controller = true, BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = new CertificateRequestSpec
            {
                Request = System.Text.Encoding.UTF8.GetBytes(issuance.CsrPem!),
                IssuerRef = spec.IssuerRef,
                Duration = GoDuration.Format(CertificateSpecValidation.Duration(spec)),
                IsCA = spec.IsCA,
                Usages = spec.Usages is { Count: > 0 } usages ? usages : [KeyUsages.DigitalSignature, KeyUsages.KeyEncipherment],
            },
        };
    }

    /// <summary>cert-manager's stable name, shortened with a hash only when it would exceed Kubernetes' 253 characters.</summary>
    public static string Name(string certificateName, int revision)
    {
        var name = $"{certificateName}-{revision}";
        if (name.Length <= 253) return name;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..8];
        return $"{certificateName[..(252 - hash.Length - 1 - revision.ToString(CultureInfo.InvariantCulture).Length)]}-{hash}-{revision}";
    }
}
