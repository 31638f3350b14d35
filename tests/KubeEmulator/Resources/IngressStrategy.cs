using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// networking.k8s.io/v1 Ingresses, stored with an empty load balancer status. A rule's host may not be an IP
/// address, as validateIngressRules refuses it ("must be a DNS name, not an IP address"); an empty host matches all.
/// </summary>
internal sealed class IngressStrategy : ObjectStrategy
{
    public IngressStrategy()
    {
        Generation = GenerationPolicy.Spec;
        InitialStatus = new JsonObject { ["loadBalancer"] = new JsonObject() };
    }

    public override void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var rules = obj.ObjectAt("spec").ArrayAt("rules") ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].StringAt("host") is { Length: > 0 } host && IsIpAddress(host))
            {
                errors.Add(FieldError.Invalid($"spec.rules[{i}].host", rules[i].At("host"), "must be a DNS name, not an IP address"));
            }
        }
    }

    /// <summary>What Go's ParseIP accepts: an IPv6 address or a dotted-quad IPv4 one (not .NET's shorthand "10.1").</summary>
    internal static bool IsIpAddress(string text) =>
        IPAddress.TryParse(text, out var address)
        && (address.AddressFamily == AddressFamily.InterNetworkV6 ? !text.Contains('%') : text.Split('.').Length == 4);
}
