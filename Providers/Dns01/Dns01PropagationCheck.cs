using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using CertFleet.Providers.Http01;

namespace CertFleet.Providers.Dns01;

/// <summary>
/// Checks that a DNS-01 TXT value is visible before the challenge is accepted, instead of sleeping a fixed 60 s.
/// With nameservers configured (the solver's, or the controller's recursive nameservers) every one of them must
/// answer with the value; otherwise every authoritative nameserver of the name's zone must, found through the system
/// resolver as cert-manager does.
/// </summary>
public sealed class Dns01PropagationCheck(TimeSpan queryTimeout)
{
    private const int MaxCnameHops = 8;
    private readonly int _timeoutMilliseconds = (int)Math.Clamp(queryTimeout.TotalMilliseconds, 100, 30_000);

    /// <summary>Null when <paramref name="value"/> is published at <paramref name="fqdn"/> everywhere it must be; otherwise why not.</summary>
    public async Task<string?> CheckAsync(string fqdn, string value, IReadOnlyList<string> nameservers, CancellationToken ct = default)
    {
        var name = Parse(fqdn);
        IReadOnlyList<IPEndPoint> servers;
        try
        {
            servers = nameservers.Count > 0 ? [.. nameservers.Select(NameserverEndpoint.Parse)] : await AuthoritativeServersAsync(name, ct);
        }
        catch (DnsResolutionException ex)
        {
            return ex.Message;
        }
        foreach (var server in servers)
        {
            var answer = await QueryAsync(server, name, RecordType.Txt, ct);
            if (answer is null)
                return $"DNS record for \"{fqdn.TrimEnd('.')}\" not yet propagated: no answer from {server}";
            if (answer.ReturnCode is not ReturnCode.NoError and not ReturnCode.NxDomain)
                return $"DNS record for \"{fqdn.TrimEnd('.')}\" not yet propagated: {server} answered {answer.ReturnCode}";
            var values = answer.AnswerRecords.OfType<TxtRecord>().Select(t => string.Concat(t.TextParts));
            if (!values.Contains(value, StringComparer.Ordinal))
                return $"DNS record for \"{fqdn.TrimEnd('.')}\" not yet propagated";
        }
        return null;
    }

    /// <summary>For cnameStrategy Follow: the name at the end of the CNAME chain starting at <paramref name="fqdn"/>.</summary>
    public async Task<string> FollowCnameAsync(string fqdn, IReadOnlyList<string> nameservers, CancellationToken ct = default)
    {
        var current = Parse(fqdn);
        for (var hop = 0; hop < MaxCnameHops; hop++)
        {
            var answer = await QueryAnyAsync(nameservers, current, RecordType.CName, ct);
            var target = answer?.AnswerRecords.OfType<CNameRecord>().FirstOrDefault(r => r.Name.Equals(current))?.CanonicalName;
            if (target is null)
                return current.ToString();
            current = target;
        }
        throw new DnsResolutionException($"more than {MaxCnameHops} CNAMEs starting at {fqdn}");
    }

    /// <summary>
    /// The zone holding <paramref name="fqdn"/> ("example.com."), as cert-manager's FindZoneByFqdn finds it for webhook
    /// solvers: SOA asked at the name and each parent in turn (through <paramref name="nameservers"/>, the system's when
    /// none) until an answer holds one; a name answered with a CNAME is not a zone apex.
    /// </summary>
    public async Task<string> FindZoneAsync(string fqdn, IReadOnlyList<string> nameservers, CancellationToken ct = default)
    {
        for (var zone = Parse(fqdn); zone.LabelCount > 0; zone = zone.GetParentName())
        {
            var answer = await QueryAnyAsync(nameservers, zone, RecordType.Soa, ct)
                         ?? throw new DnsResolutionException($"no answer to SOA {zone} while finding the zone of {fqdn}");
            if (answer.ReturnCode is not (ReturnCode.NoError or ReturnCode.NxDomain))
                throw new DnsResolutionException($"unexpected response code {answer.ReturnCode} to SOA {zone} while finding the zone of {fqdn}");
            if (answer.ReturnCode == ReturnCode.NoError && !answer.AnswerRecords.OfType<CNameRecord>().Any()
                && answer.AnswerRecords.OfType<SoaRecord>().FirstOrDefault() is { } soa)
                return soa.Name.ToString().TrimEnd('.') + ".";
        }
        throw new DnsResolutionException($"could not find the start of authority (SOA) of {fqdn}");
    }

    /// <summary>The zone's NS hosts (found by walking up to the closest SOA), resolved to addresses, port 53.</summary>
    private async Task<IReadOnlyList<IPEndPoint>> AuthoritativeServersAsync(DomainName name, CancellationToken ct)
    {
        for (var zone = name; zone.LabelCount > 0; zone = zone.GetParentName())
        {
            var soa = await QueryAnyAsync([], zone, RecordType.Soa, ct);
            if (soa?.AnswerRecords.OfType<SoaRecord>().Any(r => r.Name.Equals(zone)) != true)
                continue;
            var ns = await QueryAnyAsync([], zone, RecordType.Ns, ct);
            var hosts = ns?.AnswerRecords.OfType<NsRecord>().Select(r => r.NameServer).ToList() ?? [];
            var servers = new List<IPEndPoint>();
            foreach (var host in hosts)
                foreach (var address in await Dns.GetHostAddressesAsync(host.ToString().TrimEnd('.'), ct))
                    servers.Add(new IPEndPoint(address, NameserverEndpoint.DefaultPort));
            if (servers.Count > 0)
                return servers;
            throw new DnsResolutionException($"zone {zone} has no resolvable NS records");
        }
        throw new DnsResolutionException($"no zone (SOA) found for {name}");
    }

    /// <summary>Asks the given nameservers in turn (the system's when none), returning the first answer.</summary>
    private async Task<DnsMessage?> QueryAnyAsync(IReadOnlyList<string> nameservers, DomainName name, RecordType type, CancellationToken ct)
    {
        if (nameservers.Count == 0)
        {
            try
            {
                return await DnsClient.Default.ResolveAsync(name, type, RecordClass.INet, null, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return null;
            }
        }
        foreach (var server in nameservers.Select(NameserverEndpoint.Parse))
            if (await QueryAsync(server, name, type, ct) is { } answer)
                return answer;
        return null;
    }

    private async Task<DnsMessage?> QueryAsync(IPEndPoint server, DomainName name, RecordType type, CancellationToken ct)
    {
        var client = new DnsClient([server.Address],
            [new UdpClientTransport(server.Port), new TcpClientTransport(server.Port)], false, _timeoutMilliseconds);
        try
        {
            return await client.ResolveAsync(name, type, RecordClass.INet, null, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null;
        }
    }

    private static DomainName Parse(string fqdn) =>
        DomainName.TryParse(fqdn.TrimEnd('.'), out var name) && name is not null
            ? name
            : throw new DnsResolutionException($"\"{fqdn}\" is not a DNS name");
}
