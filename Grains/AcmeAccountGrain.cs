using CertFleet.Grains.Acme;
using CertFleet.Grains.Issuance;
using CertFleet.Grains.State;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Acme;
using CertFleet.Providers.Pki;
using ExternalAccountBinding = CertFleet.Providers.Acme.AcmeExternalAccountBinding;

namespace CertFleet.Grains;

/// <summary>
/// Registers an issuer's ACME account. The account key lives only in the Secret named by spec.acme.privateKeySecretRef
/// (generated there when absent, as cert-manager does, unless disableAccountKeyGeneration is set).
/// </summary>
[GrainType("acmeaccount")]
public sealed class AcmeAccountGrain(
    [PersistentState("acmeaccount", "certfleet")] IPersistentState<AcmeAccountState> store,
    IClusterWriter writer,
    IClusterReader reader,
    AcmeClients clients,
    Microsoft.Extensions.Options.IOptions<IssuanceOptions> options) : Grain, IAcmeAccountGrain
{
    public async Task DetachAsync()
    {
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }

    public async Task<AcmeRegistration> RegisterAsync(AcmeIssuer spec)
    {
        var issuer = ObjectKey.FromGrainKey(this.GetPrimaryKeyString());
        if (!Uri.TryCreate(spec.Server, UriKind.Absolute, out var server) || server.Scheme != Uri.UriSchemeHttps && server.Scheme != Uri.UriSchemeHttp)
            return Failed(IssuerReasons.InvalidUrl, $"spec.acme.server: \"{spec.Server}\" is not an absolute http(s) URL of an ACME directory");
        if (string.IsNullOrEmpty(spec.PrivateKeySecretRef.Name))
            return Failed(IssuerReasons.InvalidConfig, "spec.acme.privateKeySecretRef.name: Required value; name the Secret that holds (or will hold) the account key");

        if (CaBundleError(spec) is { } caBundleError)
            return Failed(IssuerReasons.InvalidConfig, caBundleError);

        var secretKey = IssuerScope.Secret(issuer, options.Value.ClusterResourceNamespace, spec.PrivateKeySecretRef.Name);
        var keyName = spec.PrivateKeySecretRef.Key ?? SecretKeys.TlsPrivateKey;
        AcmeClient client;
        try
        {
            var secret = await reader.GetSecretAsync(secretKey);
            if (secret?.GetString(keyName) is { Length: > 0 } pem)
            {
                client = clients.Add(spec, secretKey, AcmeAccountKey.FromPem(pem), null);
            }
            else if (spec.DisableAccountKeyGeneration == true)
            {
                // cert-manager's reason: an existing account was expected, and cannot be verified without its key.
                return Failed(IssuerReasons.ErrVerifyAcmeAccount,
                    $"Failed to verify ACME account: Secret \"{secretKey}\" key \"{keyName}\" not found and spec.acme.disableAccountKeyGeneration is set; create the Secret or allow generation");
            }
            else
            {
                var key = AcmeAccountKey.Generate("RS256"); // cert-manager's account keys are RSA-2048
                await writer.ApplySecretAsync(new SecretData
                {
                    Key = secretKey,
                    Data = new() { [keyName] = System.Text.Encoding.UTF8.GetBytes(key.ToPem()) },
                }, []);
                client = clients.Add(spec, secretKey, key, null);
            }
        }
        catch (Exception ex) when (ex is AcmeException or ArgumentException or FormatException or PkiException
                                       or System.Security.Cryptography.CryptographicException)
        {
            // cert-manager's reason for an account key it cannot use (its "invalid data" case).
            return Failed(IssuerReasons.ErrVerifyAcmeAccount,
                $"Failed to verify ACME account: spec.acme.privateKeySecretRef: the key \"{keyName}\" in Secret \"{secretKey.Namespace}/{secretKey.Name}\" is not a usable account key: {ex.Message}; " +
                "store an RSA (2048 bits or more) or ECDSA P-256/P-384 private key in PEM there, or delete the Secret to have a new key generated");
        }

        try
        {
            // A profile the CA does not offer fails every order: say so on the issuer before anything is ordered.
            var directory = await client.GetDirectoryAsync();
            if (AcmeProfileChoice.For(spec.Profile, directory.Meta.Profiles).Error is { } profileError)
                return Failed(CertFleetReasons.InvalidProfile, profileError);
            var account = await client.RegisterAccountAsync(new AcmeAccountRequest
            {
                Contact = spec.Email is { Length: > 0 } email ? [$"mailto:{email}"] : [],
                TermsOfServiceAgreed = true,
                ExternalAccountBinding = await ExternalAccountBindingAsync(spec, issuer),
            });
            if (await UpdateEmailAsync(client, account, spec.Email) is { } updateError)
                return Failed(IssuerReasons.ErrUpdateAcmeAccount, $"Failed to update ACME account: {updateError}");
            store.State.Server = spec.Server;
            store.State.AccountUrl = account.Url;
            store.State.Email = spec.Email;
            await store.WriteStateAsync();
            return new AcmeRegistration(true, IssuerReasons.AcmeAccountRegistered, "The ACME account was registered with the ACME server", account.Url, spec.Email);
        }
        catch (Exception ex) when (ex is AcmeException or AcmeAccountKeyException)
        {
            return Failed(IssuerReasons.ErrRegisterAcmeAccount, $"Failed to register ACME account: {ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            return Failed(IssuerReasons.ErrRegisterAcmeAccount, $"Failed to register ACME account: cannot reach {spec.Server}: {ex.Message}");
        }
        catch (TaskCanceledException)
        {
            return Failed(IssuerReasons.ErrRegisterAcmeAccount, $"Failed to register ACME account: {spec.Server} did not answer in time");
        }
    }

    /// <summary>
    /// A key registering again finds its account with the contacts it had: when spec.acme.email changed since, the
    /// account's contacts are replaced, as cert-manager does. The error when the CA refuses; null otherwise.
    /// </summary>
    private static async Task<string?> UpdateEmailAsync(AcmeClient client, AcmeAccount account, string? email)
    {
        const string MailTo = "mailto:";
        var registered = account.Contact.FirstOrDefault(c => c.StartsWith(MailTo, StringComparison.OrdinalIgnoreCase))?[MailTo.Length..] ?? "";
        if (string.Equals(registered, email ?? "", StringComparison.OrdinalIgnoreCase))
            return null;
        try
        {
            await client.UpdateAccountAsync(email is { Length: > 0 } ? [$"{MailTo}{email}"] : []);
            return null;
        }
        catch (AcmeException ex)
        {
            return $"{ex.Message}; spec.acme.email \"{email}\" was not accepted as the account's contact (the account keeps \"{registered}\")";
        }
    }

    private async Task<ExternalAccountBinding?> ExternalAccountBindingAsync(AcmeIssuer spec, ObjectKey issuer)
    {
        if (spec.ExternalAccountBinding is not { } eab) return null;
        var secretKey = IssuerScope.Secret(issuer, options.Value.ClusterResourceNamespace, eab.KeySecretRef.Name);
        var secret = await reader.GetSecretAsync(secretKey);
        var hmac = secret?.GetString(eab.KeySecretRef.Key ?? "secret")?.Trim()
                   ?? throw new AcmeAccountKeyException($"spec.acme.externalAccountBinding.keySecretRef: Secret \"{secretKey}\" key \"{eab.KeySecretRef.Key ?? "secret"}\" not found");
        return new ExternalAccountBinding(eab.KeyId, hmac);
    }

    /// <summary>Why spec.acme.caBundle cannot be used, checked before anything is read or sent; null when unset or valid.</summary>
    private static string? CaBundleError(AcmeIssuer spec)
    {
        if (spec.CaBundle is not { Length: > 0 } bundle)
            return null;
        try
        {
            foreach (var der in PemBundle.Certificates(System.Text.Encoding.UTF8.GetString(bundle), "caBundle"))
                CertificateInfo.Parse(der);
            return null;
        }
        catch (Exception ex) when (ex is PkiException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            return $"spec.acme.caBundle: not a PEM bundle of CA certificates: {ex.Message}; put the base64 of the PEM certificates that sign the ACME server's TLS certificate there, or remove caBundle to use the system's roots";
        }
    }

    private static AcmeRegistration Failed(string reason, string message) => new(false, reason, message, null, null);
}
