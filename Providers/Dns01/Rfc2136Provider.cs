using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Dns.DynamicUpdate;
using CertFleet.Providers.Http01;

namespace CertFleet.Providers.Dns01;

/// <summary>An Issuer's <c>dns01.rfc2136</c> solver, with the TSIG secret already base64-decoded.</summary>
public sealed record Rfc2136Settings
{
    /// <summary>"ip" or "ip:port" (port 53 when absent); a host name is rejected, as cert-manager does.</summary>
    public required string Nameserver { get; init; }

    /// <summary>Unsigned updates when absent.</summary>
    public string? TsigKeyName { get; init; }

    public byte[]? TsigSecret { get; init; }

    /// <summary>cert-manager's names: HMACMD5 (when absent), HMACSHA1, HMACSHA256, HMACSHA512.</summary>
    public string? TsigAlgorithm { get; init; }

    /// <summary>"UDP" (when absent) or "TCP".</summary>
    public string? Protocol { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Publishes DNS-01 TXT values with RFC 2136 dynamic updates, TSIG-signed when a key is configured. The zone is the
/// closest enclosing name the configured nameserver answers SOA for, as cert-manager's FindZoneByFqdn does.
/// </summary>
public sealed class Rfc2136Provider : IDns01Provider
{
    private const string SettingsPath = "spec.acme.solvers[].dns01.rfc2136";
    private const int RecordTtlSeconds = 60;
    private static readonly TimeSpan TsigFudge = TimeSpan.FromSeconds(300);

    private readonly IPEndPoint _nameserver;
    private readonly DomainName? _keyName;
    private readonly byte[] _secret;
    private readonly TSigAlgorithm _algorithm;
    private readonly bool _tcp;
    private readonly int _timeoutMilliseconds;

    /// <exception cref="ArgumentException">A setting is invalid; the message names the Issuer field.</exception>
    public Rfc2136Provider(Rfc2136Settings settings)
    {
        if (!NameserverEndpoint.TryParse(settings.Nameserver, out var nameserver))
            throw new ArgumentException(
                $"{SettingsPath}.nameserver \"{settings.Nameserver}\" must be an IP address with an optional port (e.g. 10.0.0.10:53); host names are not resolved");
        _nameserver = nameserver;
        _algorithm = AlgorithmFor(settings.TsigAlgorithm);
        _tcp = settings.Protocol?.Trim().ToUpperInvariant() switch
        {
            null or "" or "UDP" => false,
            "TCP" => true,
            _ => throw new ArgumentException($"{SettingsPath}.protocol \"{settings.Protocol}\" is not supported: use UDP or TCP"),
        };
        if (!string.IsNullOrWhiteSpace(settings.TsigKeyName))
        {
            if (!DomainName.TryParse(settings.TsigKeyName.Trim(), out var keyName) || keyName is null)
                throw new ArgumentException($"{SettingsPath}.tsigKeyName \"{settings.TsigKeyName}\" is not a DNS name");
            if (settings.TsigSecret is not { Length: > 0 })
                throw new ArgumentException($"{SettingsPath}.tsigSecretSecretRef is empty but tsigKeyName \"{settings.TsigKeyName}\" is set");
            _keyName = keyName;
        }
        _secret = settings.TsigSecret ?? [];
        _timeoutMilliseconds = (int)Math.Clamp(settings.Timeout.TotalMilliseconds, 100, 29_000);
    }

    public Task PresentAsync(string fqdn, string value, CancellationToken ct = default) =>
        UpdateAsync("present", fqdn, value, record => new AddRecordUpdate(record), ct);

    public Task CleanUpAsync(string fqdn, string value, CancellationToken ct = default) =>
        // Deleting an RR that is not there is a successful no-op in RFC 2136.
        UpdateAsync("clean up", fqdn, value, record => new DeleteRecordUpdate(record), ct);

    private static TSigAlgorithm AlgorithmFor(string? name) => name?.Trim().ToUpperInvariant() switch
    {
        null or "" or "HMACMD5" => TSigAlgorithm.Md5,
        "HMACSHA1" => TSigAlgorithm.Sha1,
        "HMACSHA256" => TSigAlgorithm.Sha256,
        "HMACSHA512" => TSigAlgorithm.Sha512,
        _ => throw new ArgumentException(
            $"{SettingsPath}.tsigAlgorithm \"{name}\" is not supported: use HMACMD5, HMACSHA1, HMACSHA256 or HMACSHA512"),
    };

    private async Task UpdateAsync(string action, string fqdn, string value, Func<TxtRecord, UpdateBase> change, CancellationToken ct)
    {
        if (!DomainName.TryParse(fqdn, out var name) || name is null)
            throw new Dns01ProviderException($"rfc2136: cannot {action} TXT at \"{fqdn}\": not a DNS name");
        var zone = await FindZoneAsync(name, ct);

        var message = new DnsUpdateMessage { ZoneName = zone };
        message.Updates.Add(change(new TxtRecord(name, RecordTtlSeconds, value)));
        if (_keyName is not null)
            message.TSigOptions = new TSigRecord(_keyName, _algorithm, DateTime.UtcNow, TsigFudge, message.TransactionID,
                ReturnCode.NoError, null, _secret);

        var what = $"rfc2136: {action} TXT \"{value}\" at {fqdn} in zone {zone} via {_nameserver}";
        DnsUpdateMessage? response;
        try
        {
            using var client = NewClient();
            response = await client.SendUpdateAsync(message, ct);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw new Dns01ProviderException($"{what} failed: {exception.Message}", exception);
        }
        if (response is null)
            throw new Dns01ProviderException($"{what} failed: no answer within {_timeoutMilliseconds} ms");
        if (response.ReturnCode != ReturnCode.NoError)
            throw new Dns01ProviderException($"{what} failed: {Explain(response)}");
    }

    private string Explain(DnsMessageBase response)
    {
        var key = _keyName is null ? "(unsigned)" : $"\"{_keyName}\"";
        // A TSIG failure comes back as NOTAUTH with the reason in the TSIG record's error field.
        var tsigError = response.TSigOptions?.Error ?? ReturnCode.NoError;
        return (response.ReturnCode, tsigError) switch
        {
            (_, ReturnCode.BadSig) => $"BADSIG: the TSIG secret of key {key} is wrong (or its algorithm {_algorithm} does not match the server's)",
            (_, ReturnCode.BadKey) => $"BADKEY: the nameserver does not know TSIG key {key} with algorithm {_algorithm}",
            (_, ReturnCode.BadTime) => $"BADTIME: the clocks of this host and the nameserver differ by more than {TsigFudge.TotalSeconds} s",
            (ReturnCode.Refused, _) => $"REFUSED: the nameserver refused the update: check tsigKeyName and the zone's update-policy (key {key})",
            (ReturnCode.NotAuthoritive, _) => $"NOTAUTH: the TSIG key {key} or its secret is wrong, or the nameserver is not authoritative for the zone",
            (var code, _) => $"{code}",
        };
    }

    /// <summary>Asks for SOA at the name and then each parent until the answer section holds one.</summary>
    private async Task<DomainName> FindZoneAsync(DomainName fqdn, CancellationToken ct)
    {
        using var client = NewClient();
        var lastAnswer = "no answer";
        for (var candidate = fqdn; candidate.LabelCount > 0; candidate = candidate.GetParentName())
        {
            DnsMessage? response;
            try
            {
                response = await client.ResolveAsync(candidate, RecordType.Soa, RecordClass.INet, null, ct);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw new Dns01ProviderException($"rfc2136: finding the zone of {fqdn} via {_nameserver} failed: {exception.Message}", exception);
            }
            if (response is null)
                throw new Dns01ProviderException($"rfc2136: finding the zone of {fqdn} via {_nameserver} failed: no answer within {_timeoutMilliseconds} ms");
            // SERVFAIL and the like say nothing about where the zone starts; REFUSED means "not my zone", so go up.
            if (response.ReturnCode is not (ReturnCode.NoError or ReturnCode.NxDomain or ReturnCode.Refused))
                throw new Dns01ProviderException($"rfc2136: finding the zone of {fqdn} via {_nameserver} failed: SOA {candidate} answered {response.ReturnCode}");
            lastAnswer = $"{response.ReturnCode} for SOA {candidate}";
            // A CNAME cannot sit at a zone apex, so an answer with one is not the zone.
            if (response.ReturnCode == ReturnCode.NoError && !response.AnswerRecords.Any(record => record.RecordType == RecordType.CName))
            {
                var soa = response.AnswerRecords.OfType<SoaRecord>().FirstOrDefault();
                if (soa is not null)
                    return soa.Name;
            }
        }
        throw new Dns01ProviderException(
            $"rfc2136: nameserver {_nameserver} is not authoritative for any zone containing {fqdn} (last: {lastAnswer})");
    }

    private DnsClient NewClient()
    {
        IClientTransport transport = _tcp ? new TcpClientTransport(_nameserver.Port) : new UdpClientTransport(_nameserver.Port);
        return new DnsClient([_nameserver.Address], [transport], true, _timeoutMilliseconds);
    }
}
