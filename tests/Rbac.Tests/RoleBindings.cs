using CertFleet.KubeEmulator.Audit;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace CertFleet.Rbac.Tests;

/// <summary>A rule and where its binding makes it apply: everywhere (ClusterRoleBinding) or in one namespace (RoleBinding).</summary>
/// <param name="Namespace">Null for cluster-wide.</param>
public sealed record BoundRule(string Role, PolicyRule Rule, string? Namespace)
{
    public bool Allows(AccessRecord request) =>
        (Namespace is null || (request.IsResourceRequest && request.Namespace == Namespace)) && Rule.Allows(request);

    public override string ToString() => $"{Role}{(Namespace is null ? "" : $" (in {Namespace})")}: {Rule}";
}

/// <summary>The objects of a rendered chart that RBAC reads, and the rules they bind to one ServiceAccount.</summary>
public sealed class RoleBindings
{
    private readonly List<RenderedObject> _objects;

    private RoleBindings(List<RenderedObject> objects) => _objects = objects;

    public IReadOnlyList<RenderedObject> Objects => _objects;

    public static RoleBindings Parse(string manifests)
    {
        var yaml = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).IgnoreUnmatchedProperties().Build();
        var objects = new List<RenderedObject>();
        var parser = new YamlDotNet.Core.Parser(new StringReader(manifests));
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            if (yaml.Deserialize<RenderedObject?>(parser) is { Kind.Length: > 0 } rendered)
                objects.Add(rendered);
        }
        return new RoleBindings(objects);
    }

    /// <summary>Every rule bound to ServiceAccount <paramref name="ns"/>/<paramref name="name"/>, with its scope.</summary>
    public IReadOnlyList<BoundRule> RulesOf(string ns, string name)
    {
        var rules = new List<BoundRule>();
        foreach (var binding in _objects.Where(o => o.Kind is "RoleBinding" or "ClusterRoleBinding"))
        {
            if (!binding.Subjects.Any(s => s.Kind == "ServiceAccount" && s.Name == name && s.Namespace == ns))
                continue;
            var scope = binding.Kind == "RoleBinding" ? binding.Metadata.Namespace : null;
            var role = _objects.SingleOrDefault(o => o.Kind == binding.RoleRef.Kind && o.Metadata.Name == binding.RoleRef.Name &&
                                                     (o.Kind == "ClusterRole" || o.Metadata.Namespace == scope))
                ?? throw new InvalidOperationException($"{binding.Kind} {binding.Metadata.Name} refers to {binding.RoleRef.Kind} {binding.RoleRef.Name}, which the chart does not render");
            rules.AddRange(role.Rules.Select(rule => new BoundRule($"{role.Kind} {role.Metadata.Name}", rule, scope)));
        }
        return rules;
    }
}

/// <summary>The fields of a rendered object this test reads.</summary>
public sealed class RenderedObject
{
    public string Kind { get; set; } = "";
    public ObjectName Metadata { get; set; } = new();
    public List<PolicyRule> Rules { get; set; } = [];
    public RoleReference RoleRef { get; set; } = new();
    public List<Subject> Subjects { get; set; } = [];
    public WorkloadSpec Spec { get; set; } = new();
}

public sealed class ObjectName
{
    public string Name { get; set; } = "";
    public string? Namespace { get; set; }
}

public sealed class RoleReference
{
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
}

public sealed class Subject
{
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Namespace { get; set; }
}

/// <summary>Just enough of a Deployment to read its Pods' ServiceAccount and environment.</summary>
public sealed class WorkloadSpec
{
    public PodTemplate Template { get; set; } = new();
}

public sealed class PodTemplate
{
    public PodSpec Spec { get; set; } = new();
}

public sealed class PodSpec
{
    public string? ServiceAccountName { get; set; }
    public List<Container> Containers { get; set; } = [];
}

public sealed class Container
{
    public string Name { get; set; } = "";
    public List<EnvVar> Env { get; set; } = [];
}

public sealed class EnvVar
{
    public string Name { get; set; } = "";
    public string? Value { get; set; }
}
