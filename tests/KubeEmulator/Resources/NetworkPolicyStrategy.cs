using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// networking.k8s.io/v1 NetworkPolicies, stored and validated only (nothing enforces them): policyTypes, ports
/// (protocol, number or name, endPort) and peers (one of ipBlock or selectors, a valid CIDR), as
/// ValidateNetworkPolicy checks them. policyTypes defaults as the apiserver defaults it.
/// </summary>
internal sealed class NetworkPolicyStrategy : ObjectStrategy
{
    private static readonly string[] PolicyTypes = ["Ingress", "Egress"];

    public NetworkPolicyStrategy() => Generation = GenerationPolicy.Spec;

    public override void PrepareForCreate(JsonObject obj)
    {
        base.PrepareForCreate(obj);
        ApplyDefaults(obj);
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old) => ApplyDefaults(obj);

    public override void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var spec = obj.ObjectAt("spec");
        LabelSelectorField.Validate(spec.At("podSelector"), "spec.podSelector", errors);
        foreach (var (direction, peers) in new[] { ("ingress", "from"), ("egress", "to") })
        {
            var rules = spec.ArrayAt(direction) ?? [];
            for (var i = 0; i < rules.Count; i++)
            {
                var path = $"spec.{direction}[{i}]";
                var ports = rules[i].ArrayAt("ports") ?? [];
                for (var p = 0; p < ports.Count; p++)
                {
                    ValidatePort(ports[p], $"{path}.ports[{p}]", errors);
                }
                var list = rules[i].ArrayAt(peers) ?? [];
                for (var p = 0; p < list.Count; p++)
                {
                    ValidatePeer(list[p], $"{path}.{peers}[{p}]", errors);
                }
            }
        }
        var types = spec.ArrayAt("policyTypes") ?? [];
        for (var i = 0; i < types.Count; i++)
        {
            if (!PolicyTypes.Contains(types[i].AsString()))
            {
                errors.Add(FieldError.NotSupported($"spec.policyTypes[{i}]", types[i], PolicyTypes));
            }
        }
        if (types.Count > 2)
        {
            errors.Add(FieldError.Invalid("spec.policyTypes", types, "may not specify more than two policyTypes"));
        }
    }

    private static void ValidatePort(JsonNode? port, string path, List<FieldError> errors)
    {
        PortFields.ValidateProtocol(port.At("protocol"), $"{path}.protocol", errors);
        var number = port.At("port");
        if (number is null)
        {
            if (port.At("endPort") is not null)
            {
                errors.Add(FieldError.Required($"{path}.port", "must be specified when endPort is specified"));
            }
            return;
        }
        PortFields.ValidateNumberOrName(number, $"{path}.port", errors);
        if (port.At("endPort") is { } end)
        {
            if (JsonTree.Kind(number) == JsonValueKind.String)
            {
                errors.Add(FieldError.Forbidden($"{path}.endPort", "may not be specified when `port` is non-numeric"));
            }
            else if (end.AsLong() < number.AsLong())
            {
                errors.Add(FieldError.Invalid($"{path}.endPort", end, "must be greater than or equal to `port`"));
            }
        }
    }

    private static void ValidatePeer(JsonNode? peer, string path, List<FieldError> errors)
    {
        var selectors = 0;
        foreach (var selector in new[] { "podSelector", "namespaceSelector" })
        {
            if (peer.At(selector) is { } value)
            {
                selectors++;
                LabelSelectorField.Validate(value, $"{path}.{selector}", errors);
            }
        }
        var block = peer.At("ipBlock");
        if (block is not null && selectors > 0)
        {
            errors.Add(FieldError.Forbidden(path, "may not specify both ipBlock and another peer"));
        }
        else if (block is null && selectors == 0)
        {
            errors.Add(FieldError.Required(path, "must specify a peer"));
        }
        if (block is null)
        {
            return;
        }
        var cidr = block.StringAt("cidr") ?? "";
        if (cidr.Length == 0)
        {
            errors.Add(FieldError.Required($"{path}.ipBlock.cidr"));
            return;
        }
        if (!IPNetwork.TryParse(cidr, out var network))
        {
            errors.Add(FieldError.Invalid($"{path}.ipBlock.cidr", block.At("cidr"), "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
            return;
        }
        var except = block.ArrayAt("except") ?? [];
        for (var i = 0; i < except.Count; i++)
        {
            var field = $"{path}.ipBlock.except[{i}]";
            if (!IPNetwork.TryParse(except[i].AsString() ?? "", out var excluded))
            {
                errors.Add(FieldError.Invalid(field, except[i], "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
            }
            else if (excluded.PrefixLength <= network.PrefixLength || !network.Contains(excluded.BaseAddress))
            {
                errors.Add(FieldError.Invalid(field, except[i], "must be a strict subset of `cidr`"));
            }
        }
    }

    private static void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.EnsureObject("spec");
        spec["podSelector"] ??= new JsonObject();
        foreach (var direction in new[] { "ingress", "egress" })
        {
            foreach (var rule in (spec[direction] as JsonArray ?? []).OfType<JsonObject>())
            {
                foreach (var port in (rule["ports"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    port["protocol"] ??= "TCP";
                }
            }
        }
        if (spec["policyTypes"] is not JsonArray { Count: > 0 })
        {
            // The apiserver's default: Ingress always, Egress when egress rules are given.
            var types = new JsonArray("Ingress");
            if (spec["egress"] is JsonArray { Count: > 0 })
            {
                types.Add("Egress");
            }
            spec["policyTypes"] = types;
        }
    }
}
