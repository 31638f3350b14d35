using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// Services: the defaults kube-apiserver fills in (type, protocol, targetPort, session affinity, IP families) and
/// the allocations it makes (a cluster IP from 10.96.0.0/16, node ports from 30000-32767), kept across updates.
/// </summary>
internal sealed class ServiceStrategy : ObjectStrategy
{
    private const int FirstNodePort = 30000;
    private const int NodePortCount = 2768;
    private int _nextAddress;
    private int _nextNodePort;

    public ServiceStrategy()
    {
        NameRule = NameRule.Dns1035Label;
        ReturnDeletedObject = true;
        InitialStatus = new JsonObject { ["loadBalancer"] = new JsonObject() };
    }

    public override void PrepareForCreate(JsonObject obj)
    {
        base.PrepareForCreate(obj);
        ApplyDefaults(obj, null);
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old) => ApplyDefaults(obj, old);

    public override void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var type = obj.StringAt("spec", "type");
        if (type is not ("ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName"))
        {
            errors.Add(FieldError.NotSupported("spec.type", obj.At("spec", "type"), ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]));
        }
        if (type != "ExternalName" && obj.StringAt("spec", "clusterIP") != "None" && obj.ArrayAt("spec", "ports") is not { Count: > 0 })
        {
            errors.Add(FieldError.Required("spec.ports"));
        }
        if (old is not null && old.StringAt("spec", "clusterIP") is { Length: > 0 } before &&
            obj.StringAt("spec", "clusterIP") is { } after && after != before && type != "ExternalName")
        {
            errors.Add(FieldError.Invalid("spec.clusterIPs[0]", obj.At("spec", "clusterIPs"), "may not change once set"));
        }
    }

    private void ApplyDefaults(JsonObject obj, JsonObject? old)
    {
        var spec = obj.EnsureObject("spec");
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        var type = spec["type"].AsString();
        if (type == "ExternalName")
        {
            return;
        }
        if (string.IsNullOrEmpty(spec["clusterIP"].AsString()))
        {
            spec["clusterIP"] = old?.StringAt("spec", "clusterIP") ?? AllocateAddress();
        }
        spec["clusterIPs"] ??= new JsonArray(spec["clusterIP"].AsString());
        spec["ipFamilies"] ??= new JsonArray("IPv4");
        spec["ipFamilyPolicy"] ??= "SingleStack";
        spec["internalTrafficPolicy"] ??= "Cluster";
        if (type is "NodePort" or "LoadBalancer")
        {
            spec["externalTrafficPolicy"] ??= "Cluster";
        }
        foreach (var port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            port["protocol"] ??= "TCP";
            port["targetPort"] ??= port["port"]?.DeepClone();
            if (type is "NodePort" or "LoadBalancer" && port["nodePort"] is null)
            {
                port["nodePort"] = PreviousNodePort(old, port) ?? AllocateNodePort();
            }
        }
    }

    private static long? PreviousNodePort(JsonObject? old, JsonObject port) =>
        (old?.ArrayAt("spec", "ports") ?? [])
        .OfType<JsonObject>()
        .FirstOrDefault(p => JsonTree.DeepEquals(p["port"], port["port"]) && p["protocol"].AsString() == port["protocol"].AsString())?["nodePort"]
        .AsLong();

    private string AllocateAddress()
    {
        var n = Interlocked.Increment(ref _nextAddress) % 65_000;
        return $"10.96.{n / 250}.{n % 250 + 2}";
    }

    private long AllocateNodePort()
    {
        var n = Interlocked.Increment(ref _nextNodePort) - 1;
        return FirstNodePort + n % NodePortCount;
    }
}
