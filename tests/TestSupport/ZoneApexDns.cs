using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace CertFleet.TestSupport;

/// <summary>
/// A DNS front for one zone on loopback: SOA queries get the zone's SOA at its apex (and "no such record" below it, as
/// an authoritative server answers), every other query is relayed to <c>upstream</c>. pebble-challtestsrv answers SOA
/// with NOTIMP, so a client that finds the zone by SOA first (a DNS-01 webhook solver's resolvedZone) asks this front.
/// </summary>
public sealed class ZoneApexDns : IDisposable
{
    private readonly DnsServer _server;
    private readonly DnsClient _upstream;
    private readonly DomainName _zone;

    private ZoneApexDns(string zone, IPEndPoint upstream, int port)
    {
        _zone = DomainName.Parse(zone.TrimEnd('.'));
        _upstream = new DnsClient([upstream.Address], [new UdpClientTransport(upstream.Port), new TcpClientTransport(upstream.Port)], false, 5000);
        var bind = new IPEndPoint(IPAddress.Loopback, port);
        _server = new DnsServer(new UdpServerTransport(bind, 5000), new TcpServerTransport(bind, 5000, 5000));
        _server.QueryReceived += async (_, e) => e.Response = await AnswerAsync((DnsMessage)e.Query);
        Nameserver = $"127.0.0.1:{port}";
    }

    /// <summary>host:port to name as a DNS-01 solver's nameserver.</summary>
    public string Nameserver { get; }

    public static ZoneApexDns Start(string zone, IPEndPoint upstream)
    {
        var front = new ZoneApexDns(zone, upstream, LoopbackPorts.Allocate(1)[0]);
        front._server.Start();
        return front;
    }

    private async Task<DnsMessage> AnswerAsync(DnsMessage query)
    {
        var response = query.CreateResponseInstance();
        if (query.Questions is not [var question])
        {
            response.ReturnCode = ReturnCode.FormatError;
            return response;
        }
        if (question.RecordType == RecordType.Soa && question.Name.IsEqualOrSubDomainOf(_zone))
        {
            var soa = new SoaRecord(_zone, 60, DomainName.Parse($"ns.{_zone}"), DomainName.Parse($"hostmaster.{_zone}"), 1, 60, 60, 600, 60);
            response.ReturnCode = ReturnCode.NoError;
            (question.Name.Equals(_zone) ? response.AnswerRecords : response.AuthorityRecords).Add(soa);
            return response;
        }
        var relayed = await _upstream.ResolveAsync(question.Name, question.RecordType, question.RecordClass);
        if (relayed is null)
        {
            response.ReturnCode = ReturnCode.ServerFailure;
            return response;
        }
        response.ReturnCode = relayed.ReturnCode;
        response.AnswerRecords.AddRange(relayed.AnswerRecords);
        return response;
    }

    public void Dispose() => _server.Stop();
}
