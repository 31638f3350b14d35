using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Tables;

/// <summary>The columns kube-apiserver prints for the built-in kinds the emulator serves (pkg/printers/internalversion).</summary>
internal static class BuiltInTables
{
    private static readonly TableColumn Name = new("Name", "string", "Name must be unique within a namespace.", 0, "name");
    private static readonly TableColumn Age = new("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created.");

    /// <summary>What kube-apiserver prints for kinds without their own printer.</summary>
    public static readonly TableConvertor Default = new FunctionTable(
        [Name, new TableColumn("Created At", "date", "CreationTimestamp is a timestamp representing the server time when this object was created.")],
        (obj, _) => [NameOf(obj), obj.StringAt("metadata", "creationTimestamp")]);

    public static readonly TableConvertor Namespace = new FunctionTable(
        [Name, new TableColumn("Status", "string", "The status of the namespace"), Age],
        (obj, now) => [NameOf(obj), obj.StringAt("status", "phase") ?? "", AgeOf(obj, now)]);

    public static readonly TableConvertor Secret = new FunctionTable(
        [Name, new TableColumn("Type", "string", "Used to facilitate programmatic handling of secret data."),
         new TableColumn("Data", "string", "Contains the secret data."), Age],
        (obj, now) => [NameOf(obj), obj.StringAt("type") ?? "", (long)(obj.ObjectAt("data")?.Count ?? 0), AgeOf(obj, now)]);

    public static readonly TableConvertor ConfigMap = new FunctionTable(
        [Name, new TableColumn("Data", "string", "Data contains the configuration data."), Age],
        (obj, now) => [NameOf(obj), (long)((obj.ObjectAt("data")?.Count ?? 0) + (obj.ObjectAt("binaryData")?.Count ?? 0)), AgeOf(obj, now)]);

    public static readonly TableConvertor ServiceAccount = new FunctionTable(
        [Name, new TableColumn("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), Age],
        (obj, now) => [NameOf(obj), (long)(obj.ArrayAt("secrets")?.Count ?? 0), AgeOf(obj, now)]);

    public static readonly TableConvertor Service = new FunctionTable(
        [Name, new TableColumn("Type", "string", "The type of the service."),
         new TableColumn("Cluster-IP", "string", "The cluster IP of the service."),
         new TableColumn("External-IP", "string", "The external IP of the service."),
         new TableColumn("Port(s)", "string", "The ports of the service."), Age,
         new TableColumn("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.", 1)],
        (obj, now) =>
        [
            NameOf(obj), obj.StringAt("spec", "type") ?? "ClusterIP", NoneIfEmpty(obj.StringAt("spec", "clusterIP")),
            ServiceExternalIp(obj), ServicePorts(obj), AgeOf(obj, now), Selector(obj.ObjectAt("spec", "selector")),
        ]);

    /// <summary>kubectl's printEndpointSlice: ports and the first three addresses, then "+ N more...".</summary>
    public static readonly TableConvertor EndpointSlice = new FunctionTable(
        [Name, new TableColumn("AddressType", "string", "The type of address held in the EndpointSlice"),
         new TableColumn("Ports", "string", "The ports exposed by the EndpointSlice"),
         new TableColumn("Endpoints", "string", "The endpoints in the EndpointSlice"), Age],
        (obj, now) =>
        {
            var ports = (obj.ArrayAt("ports") ?? []).Select(port => port.At("port").AsLong()?.ToString() ?? "<unset>").ToList();
            var addresses = (obj.ArrayAt("endpoints") ?? []).SelectMany(endpoint => endpoint.At("addresses").Strings()).ToList();
            var shown = addresses.Count == 0 ? "<unset>"
                : string.Join(",", addresses.Take(3)) + (addresses.Count > 3 ? $" + {addresses.Count - 3} more..." : "");
            return [NameOf(obj), obj.StringAt("addressType") ?? "", ports.Count == 0 ? "<unset>" : string.Join(",", ports), shown, AgeOf(obj, now)];
        });

    public static readonly TableConvertor Ingress = new FunctionTable(
        [Name, new TableColumn("Class", "string", "The name of the IngressClass resource that should be used for this Ingress."),
         new TableColumn("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
         new TableColumn("Address", "string", "Address is a list containing ingress points for the load-balancer"),
         new TableColumn("Ports", "string", "Ports of TLS configurations that open"), Age],
        (obj, now) =>
        [
            NameOf(obj), NoneIfEmpty(obj.StringAt("spec", "ingressClassName")), IngressHosts(obj),
            string.Join(",", LoadBalancerAddresses(obj)), obj.ArrayAt("spec", "tls") is { Count: > 0 } ? "80, 443" : "80",
            AgeOf(obj, now),
        ]);

    public static readonly TableConvertor IngressClass = new FunctionTable(
        [Name, new TableColumn("Controller", "string", "Controller that is responsible for handling this class"),
         new TableColumn("Parameters", "string", "A reference to a resource with additional parameters"), Age],
        (obj, now) =>
        [
            NameOf(obj), obj.StringAt("spec", "controller") ?? "",
            obj.ObjectAt("spec", "parameters") is { } p ? $"{p.StringAt("kind")}/{p.StringAt("name")}" : "<none>",
            AgeOf(obj, now),
        ]);

    public static readonly TableConvertor Lease = new FunctionTable(
        [Name, new TableColumn("Holder", "string", "The holder of the lease."), Age],
        (obj, now) => [NameOf(obj), obj.StringAt("spec", "holderIdentity") ?? "", AgeOf(obj, now)]);

    public static readonly TableConvertor Pod = new FunctionTable(
        [Name, new TableColumn("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
         new TableColumn("Status", "string", "The aggregate status of the containers in this pod."),
         new TableColumn("Restarts", "string", "The number of times the containers in this pod have been restarted."), Age,
         new TableColumn("IP", "string", "IP address allocated to the pod.", 1),
         new TableColumn("Node", "string", "Name of the Node this pod is assigned to.", 1)],
        (obj, now) =>
        [
            NameOf(obj), PodReady(obj), obj.StringAt("status", "reason") ?? obj.StringAt("status", "phase") ?? "Pending",
            PodRestarts(obj), AgeOf(obj, now), NoneIfEmpty(obj.StringAt("status", "podIP")),
            NoneIfEmpty(obj.StringAt("spec", "nodeName")),
        ]);

    public static readonly TableConvertor Event = new FunctionTable(
        [
            new TableColumn("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
            new TableColumn("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
            new TableColumn("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
            new TableColumn("Object", "string", "The object that this event is about."),
            new TableColumn("Subobject", "string", "The field path of the involved object this event is about.", 1),
            new TableColumn("Source", "string", "The component reporting this event.", 1),
            new TableColumn("Message", "string", "A human-readable description of the status of this operation."),
            new TableColumn("First Seen", "string", "The time at which the event was first recorded.", 1),
            new TableColumn("Count", "string", "The number of times this event has occurred.", 1),
            new TableColumn("Name", "string", "Name must be unique within a namespace.", 1, "name"),
        ],
        EventCells);

    private static JsonNode?[] EventCells(JsonObject obj, DateTimeOffset now)
    {
        var firstSeen = obj["firstTimestamp"].AsString() is not null
            ? HumanDuration.Since(obj["firstTimestamp"], now)
            : HumanDuration.Since(obj["eventTime"], now);
        var lastSeen = obj["lastTimestamp"].AsString() is not null ? HumanDuration.Since(obj["lastTimestamp"], now) : firstSeen;
        var count = obj["count"].AsLong() ?? 0;
        if (obj["series"] is JsonObject series)
        {
            lastSeen = HumanDuration.Since(series["lastObservedTime"], now);
            count = series["count"].AsLong() ?? 0;
        }
        else if (count == 0)
        {
            count = 1;
        }
        var kind = (obj.StringAt("involvedObject", "kind") ?? "").ToLowerInvariant();
        var target = obj.StringAt("involvedObject", "name") is { Length: > 0 } involved ? $"{kind}/{involved}" : kind;
        return
        [
            lastSeen, obj.StringAt("type") ?? "", obj.StringAt("reason") ?? "", target,
            obj.StringAt("involvedObject", "fieldPath") ?? "", EventSource(obj), (obj.StringAt("message") ?? "").Trim(),
            firstSeen, count, NameOf(obj),
        ];
    }

    private static string EventSource(JsonObject obj)
    {
        var component = obj.StringAt("source", "component") is { Length: > 0 } c ? c : obj.StringAt("reportingComponent") ?? "";
        var host = obj.StringAt("source", "host") is { Length: > 0 } h ? h : obj.StringAt("reportingInstance") ?? "";
        return host.Length == 0 ? component : $"{component}, {host}";
    }

    private static string NameOf(JsonObject obj) => obj.StringAt("metadata", "name") ?? "";

    private static string AgeOf(JsonObject obj, DateTimeOffset now) => HumanDuration.Since(obj.At("metadata", "creationTimestamp"), now);

    private static string NoneIfEmpty(string? text) => string.IsNullOrEmpty(text) ? "<none>" : text;

    private static string Selector(JsonObject? labels) =>
        labels is null || labels.Count == 0
            ? "<none>"
            : string.Join(",", labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value.AsString()}"));

    private static IEnumerable<string> LoadBalancerAddresses(JsonObject obj) =>
        (obj.ArrayAt("status", "loadBalancer", "ingress") ?? [])
        .Select(i => i.StringAt("ip") is { Length: > 0 } ip ? ip : i.StringAt("hostname") ?? "")
        .Where(a => a.Length > 0);

    private static string ServiceExternalIp(JsonObject obj)
    {
        var external = obj.ArrayAt("spec", "externalIPs").Strings();
        switch (obj.StringAt("spec", "type") ?? "ClusterIP")
        {
            case "LoadBalancer":
                var addresses = LoadBalancerAddresses(obj).Concat(external).ToList();
                return addresses.Count > 0 ? string.Join(",", addresses) : "<pending>";
            case "ExternalName":
                return obj.StringAt("spec", "externalName") ?? "";
            default:
                return external.Count > 0 ? string.Join(",", external) : "<none>";
        }
    }

    private static string ServicePorts(JsonObject obj)
    {
        var ports = (obj.ArrayAt("spec", "ports") ?? [])
            .OfType<JsonObject>()
            .Select(p =>
            {
                var protocol = p.StringAt("protocol") ?? "TCP";
                var nodePort = p["nodePort"].AsLong() ?? 0;
                return nodePort > 0 ? $"{p["port"].AsLong()}:{nodePort}/{protocol}" : $"{p["port"].AsLong()}/{protocol}";
            })
            .ToList();
        return ports.Count == 0 ? "<none>" : string.Join(",", ports);
    }

    private static string IngressHosts(JsonObject obj)
    {
        var hosts = (obj.ArrayAt("spec", "rules") ?? []).Select(r => r.StringAt("host")).OfType<string>().Where(h => h.Length > 0).ToList();
        return hosts.Count switch
        {
            0 => "*",
            <= 4 => string.Join(",", hosts),
            _ => $"{string.Join(",", hosts.Take(4))} + {hosts.Count - 4} more...",
        };
    }

    private static string PodReady(JsonObject obj)
    {
        var containers = obj.ArrayAt("spec", "containers")?.Count ?? 0;
        var ready = (obj.ArrayAt("status", "containerStatuses") ?? []).Count(s => s?["ready"].AsBool() == true);
        return $"{ready}/{containers}";
    }

    private static long PodRestarts(JsonObject obj) =>
        (obj.ArrayAt("status", "containerStatuses") ?? []).Sum(s => s?["restartCount"].AsLong() ?? 0);
}
