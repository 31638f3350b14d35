using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace CertFleet.Providers.Http01;

/// <summary>
/// Resolves a host's A and AAAA records through the configured nameservers (asked in order, the next one when a server
/// does not answer), or through the system resolver when none are configured.
/// </summary>
public sealed class AddressResolver
{
    private readonly IReadOnlyList<IPEndPoint> _nameservers;
    private readonly string _through;
    private readonly int _queryTimeoutMilliseconds;

    public AddressResolver(IReadOnlyList<string> nameservers, TimeSpan queryTimeout)
    {
        _nameservers = [.. nameservers.Select(NameserverEndpoint.Parse)];
        _through = _nameservers.Count == 0 ? "the system resolver" : string.Join(", ", nameservers);
        _queryTimeoutMilliseconds = (int)Math.Clamp(queryTimeout.TotalMilliseconds, 100, 30_000);
    }

    /// <summary>The host's addresses, IPv4 first; throws <see cref="DnsResolutionException"/> when there are none.</summary>
    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken ct)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
            return [literal];
        var addresses = _nameservers.Count == 0 ? await ResolveWithSystemAsync(host, ct) : await ResolveWithNameserversAsync(host, ct);
        return addresses.Count > 0
            ? [.. addresses.OrderBy(address => address.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)]
            : throw new DnsResolutionException($"failed to resolve {host} through {_through}: no A or AAAA records");
    }

    private async Task<IReadOnlyList<IPAddress>> ResolveWithSystemAsync(string host, CancellationToken ct)
    {
        try
        {
            return await Dns.GetHostAddressesAsync(host, ct);
        }
        catch (SocketException exception)
        {
            throw new DnsResolutionException($"failed to resolve {host} through {_through}: {exception.Message}", exception);
        }
    }

    private async Task<IReadOnlyList<IPAddress>> ResolveWithNameserversAsync(string host, CancellationToken ct)
    {
        if (!DomainName.TryParse(host, out var name) || name is null)
            throw new DnsResolutionException($"failed to resolve {host} through {_through}: not a DNS name");

        var lastProblem = "no answer";
        foreach (var nameserver in _nameservers)
        {
            var client = new DnsClient([nameserver.Address],
                [new UdpClientTransport(nameserver.Port), new TcpClientTransport(nameserver.Port)], false, _queryTimeoutMilliseconds);
            DnsMessage? ipv4, ipv6;
            try
            {
                ipv4 = await client.ResolveAsync(name, RecordType.A, RecordClass.INet, null, ct);
                ipv6 = await client.ResolveAsync(name, RecordType.Aaaa, RecordClass.INet, null, ct);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                lastProblem = $"{nameserver}: {exception.Message}";
                continue;
            }
            if (ipv4 is null && ipv6 is null)
            {
                lastProblem = $"no answer from {nameserver}";
                continue;
            }
            if (ipv4?.ReturnCode is not (null or ReturnCode.NoError))
                // NXDOMAIN and SERVFAIL are the server's verdict on the name: another server would say the same.
                throw new DnsResolutionException($"failed to resolve {host} through {_through}: {ipv4!.ReturnCode}");
            return [.. AddressesIn(ipv4), .. AddressesIn(ipv6)];
        }
        throw new DnsResolutionException($"failed to resolve {host} through {_through}: {lastProblem}");
    }

    private static IEnumerable<IPAddress> AddressesIn(DnsMessage? response) =>
        response?.AnswerRecords.OfType<AddressRecordBase>().Select(record => record.Address) ?? [];
}
