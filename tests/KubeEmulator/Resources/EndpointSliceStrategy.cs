using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// discovery.k8s.io/v1 EndpointSlices as kube-apiserver 1.32 checks them (pkg/apis/discovery/validation): a known
/// addressType that never changes, 1-100 addresses per endpoint that are valid IPs of that family and not unspecified,
/// loopback or link-local (as for core Endpoints), at most 1000 endpoints and 100 ports, port names RFC 1123 labels
/// and unique, a known protocol (defaulted to TCP).
/// </summary>
internal sealed partial class EndpointSliceStrategy : ObjectStrategy
{
    private static readonly string[] AddressTypes = ["FQDN", "IPv4", "IPv6"];
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];

    public EndpointSliceStrategy()
    {
        Generation = GenerationPolicy.AllButMetadata;
    }

    public override void PrepareForCreate(JsonObject obj)
    {
        base.PrepareForCreate(obj);
        ApplyDefaults(obj);
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old) => ApplyDefaults(obj);

    public override void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var addressType = obj.StringAt("addressType");
        if (string.IsNullOrEmpty(addressType))
        {
            errors.Add(FieldError.Required("addressType"));
        }
        // Updates may keep the deprecated "IP" type of an old object.
        else if (!AddressTypes.Contains(addressType) && !(old is not null && addressType == "IP"))
        {
            errors.Add(FieldError.NotSupported("addressType", obj["addressType"], AddressTypes));
        }
        if (old is not null && old.StringAt("addressType") != addressType)
        {
            errors.Add(FieldError.Invalid("addressType", obj["addressType"], "field is immutable"));
        }

        var endpoints = obj.ArrayAt("endpoints") ?? [];
        if (endpoints.Count > 1000)
        {
            errors.Add(FieldError.TooMany("endpoints", endpoints.Count, 1000));
        }
        else
        {
            for (var i = 0; i < endpoints.Count; i++)
            {
                ValidateEndpoint(endpoints[i], addressType, $"endpoints[{i}]", errors);
            }
        }

        var ports = obj.ArrayAt("ports") ?? [];
        if (ports.Count > 100)
        {
            errors.Add(FieldError.TooMany("ports", ports.Count, 100));
            return;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var name = ports[i].StringAt("name") ?? "";
            if (name.Length > 0)
            {
                ObjectMetaValidation.ValidateLabel(name, $"ports[{i}].name", errors);
            }
            if (!names.Add(name))
            {
                errors.Add(FieldError.Duplicate($"ports[{i}].name", JsonValue.Create(name)));
            }
            var protocol = ports[i].StringAt("protocol");
            if (protocol is null)
            {
                errors.Add(FieldError.Required($"ports[{i}].protocol"));
            }
            else if (!Protocols.Contains(protocol))
            {
                errors.Add(FieldError.NotSupported($"ports[{i}].protocol", ports[i]!["protocol"], Protocols));
            }
        }
    }

    private static void ValidateEndpoint(JsonNode? endpoint, string? addressType, string path, List<FieldError> errors)
    {
        var addresses = endpoint.At("addresses").Strings();
        if (addresses.Count == 0)
        {
            errors.Add(FieldError.Required($"{path}.addresses", "must contain at least 1 address"));
        }
        else if (addresses.Count > 100)
        {
            errors.Add(FieldError.TooMany($"{path}.addresses", addresses.Count, 100));
        }
        for (var i = 0; i < addresses.Count; i++)
        {
            var field = $"{path}.addresses[{i}]";
            var address = addresses[i];
            switch (addressType)
            {
                case "IPv4":
                    if (!IsIPv4(address))
                    {
                        errors.Add(FieldError.Invalid(field, JsonValue.Create(address), "must be a valid IPv4 address"));
                    }
                    ValidateNonSpecial(address, field, errors);
                    break;
                case "IPv6":
                    if (!IsIPv6(address))
                    {
                        errors.Add(FieldError.Invalid(field, JsonValue.Create(address), "must be a valid IPv6 address"));
                    }
                    ValidateNonSpecial(address, field, errors);
                    break;
            }
        }
        if (endpoint.StringAt("hostname") is { } hostname)
        {
            ObjectMetaValidation.ValidateLabel(hostname, $"{path}.hostname", errors);
        }
    }

    /// <summary>core/v1 validation's ValidateNonSpecialIP, which EndpointSlice addresses of both IP families go through.</summary>
    private static void ValidateNonSpecial(string address, string field, List<FieldError> errors)
    {
        var value = JsonValue.Create(address);
        if (!IsIPv4(address) && !IsIPv6(address) || !IPAddress.TryParse(address, out var ip))
        {
            errors.Add(FieldError.Invalid(field, value, "must be a valid IP address"));
            return;
        }
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }
        var bytes = ip.GetAddressBytes();
        var v4 = ip.AddressFamily == AddressFamily.InterNetwork;
        if (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))
        {
            errors.Add(FieldError.Invalid(field, value, $"may not be unspecified ({address})"));
        }
        if (IPAddress.IsLoopback(ip))
        {
            errors.Add(FieldError.Invalid(field, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
        }
        if (v4 ? bytes[0] == 169 && bytes[1] == 254 : ip.IsIPv6LinkLocal)
        {
            errors.Add(FieldError.Invalid(field, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
        }
        if (v4 ? bytes[0] == 224 && bytes[1] == 0 && bytes[2] == 0 : bytes[0] == 0xff && (bytes[1] & 0x0f) == 0x02)
        {
            errors.Add(FieldError.Invalid(field, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
        }
    }

    /// <summary>Dotted quad only, as Go's parser takes it (".NET" alone would also read "10" or "0x0a.1").</summary>
    private static bool IsIPv4(string address) =>
        DottedQuad().IsMatch(address) && address.Split('.').All(part => int.Parse(part) <= 255);

    private static bool IsIPv6(string address) =>
        address.Contains(':') && !address.Contains('%') && IPAddress.TryParse(address, out var ip)
        && ip.AddressFamily == AddressFamily.InterNetworkV6 && !ip.IsIPv4MappedToIPv6;

    private static void ApplyDefaults(JsonObject obj)
    {
        foreach (var port in (obj["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            port["name"] ??= "";
            port["protocol"] ??= "TCP";
        }
    }

    [GeneratedRegex(@"^[0-9]{1,3}(\.[0-9]{1,3}){3}$")]
    private static partial Regex DottedQuad();
}
