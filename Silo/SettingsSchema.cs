using System.ComponentModel;
using System.Reflection;

namespace CertFleet.Silo;

/// <summary>
/// Every key the option types bound under one section read, found by reflection over their public settable properties
/// (a property's key is its <see cref="ConfigurationKeyNameAttribute"/> when it has one, which may span sections), so a
/// new setting needs no second list. Compares a configuration with it: keys nothing reads, and lists given as one value.
/// </summary>
public sealed class SettingsSchema
{
    /// <summary>Stand-ins in known keys for any list index and any map name.</summary>
    private const string AnyIndex = "#", AnyName = "*";

    private readonly string _section;
    private readonly Node _root = Node.Group();
    private readonly List<string> _knownKeys = [];

    /// <param name="section">The section every group lies in, e.g. CertFleet.</param>
    /// <param name="groups">Each option type with its path below <paramref name="section"/> ("" for the section itself).</param>
    public SettingsSchema(string section, IEnumerable<(Type Type, string Path)> groups)
    {
        _section = section;
        foreach (var (type, path) in groups)
            _root.Add(path.Split(ConfigurationPath.KeyDelimiter, StringSplitOptions.RemoveEmptyEntries), NodeFor(type, []));
        KnownKeys(_root, section, _knownKeys);
    }

    /// <summary>What <paramref name="configuration"/> holds under the section, compared with what the option types read.</summary>
    public SettingsFindings Compare(IConfiguration configuration)
    {
        List<string> unknownKeys = [], commaSeparatedLists = [];
        Walk(configuration.GetSection(_section), _root, unknownKeys, commaSeparatedLists);
        return new SettingsFindings([.. unknownKeys.Select(key => (key, Nearest(key)))], commaSeparatedLists);
    }

    /// <summary>The known key closest to <paramref name="key"/> in edit distance, with the list indices and map names it uses.</summary>
    private string Nearest(string key)
    {
        var segments = key.Split(ConfigurationPath.KeyDelimiter);
        string Segment(string known, int i) => known switch
        {
            AnyIndex => i < segments.Length && segments[i].Length > 0 && segments[i].All(char.IsAsciiDigit) ? segments[i] : "0",
            AnyName => i < segments.Length ? segments[i] : "name",
            _ => known,
        };
        return _knownKeys
            .Select(known => string.Join(ConfigurationPath.KeyDelimiter, known.Split(ConfigurationPath.KeyDelimiter).Select(Segment)))
            .MinBy(known => EditDistance(known.ToLowerInvariant(), key.ToLowerInvariant()))!;
    }

    private static void Walk(IConfigurationSection section, Node node, List<string> unknownKeys, List<string> commaSeparatedLists)
    {
        if (node.Shape is Shape.Value)
        {
            foreach (var child in section.GetChildren())
                UnreadValues(child, unknownKeys);
            return;
        }
        if (section.Value is not null)
            (node.Shape is Shape.ValueList ? commaSeparatedLists : unknownKeys).Add(section.Path);
        foreach (var child in section.GetChildren())
        {
            var childNode = node.Shape switch
            {
                Shape.Group => node.Members.GetValueOrDefault(child.Key),
                Shape.Map => node.Item,
                // Lists bind from indices; any other name under a list is a typo.
                _ => child.Key.Length > 0 && child.Key.All(char.IsAsciiDigit) ? node.Item : null,
            };
            if (childNode is null)
                UnreadValues(child, unknownKeys);
            else
                Walk(child, childNode, unknownKeys, commaSeparatedLists);
        }
    }

    /// <summary>Every key with a value at or below <paramref name="section"/>: nothing reads them.</summary>
    private static void UnreadValues(IConfigurationSection section, List<string> unknownKeys) =>
        unknownKeys.AddRange(section.AsEnumerable().Where(entry => entry.Value is not null).Select(entry => entry.Key));

    private static void KnownKeys(Node node, string path, List<string> keys)
    {
        switch (node.Shape)
        {
            case Shape.Value:
                keys.Add(path);
                break;
            case Shape.ValueList:
                keys.Add(path);
                keys.Add(ConfigurationPath.Combine(path, AnyIndex));
                break;
            case Shape.Group:
                foreach (var (name, member) in node.Members)
                    KnownKeys(member, ConfigurationPath.Combine(path, name), keys);
                break;
            default:
                KnownKeys(node.Item!, ConfigurationPath.Combine(path, node.Shape is Shape.Map ? AnyName : AnyIndex), keys);
                break;
        }
    }

    private static Node NodeFor(Type type, HashSet<Type> enclosing)
    {
        if (IsValue(type))
            return Node.Value();
        if (MapValueType(type) is { } valueType)
            return Node.Map(NodeFor(valueType, enclosing));
        if (ElementType(type) is { } elementType)
            return IsValue(elementType) ? Node.ValueList() : Node.GroupList(NodeFor(elementType, enclosing));
        var group = Node.Group();
        // A type that contains itself is bound only as deep as configuration goes; its own keys are known once.
        if (!enclosing.Add(type))
            return group;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (property.GetIndexParameters().Length == 0 && property.SetMethod is { IsPublic: true })
                group.Add((property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name).Split(ConfigurationPath.KeyDelimiter),
                    NodeFor(property.PropertyType, enclosing));
        enclosing.Remove(type);
        return group;
    }

    /// <summary>What the binder sets from one string, as it decides it.</summary>
    private static bool IsValue(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(string) || type.IsPrimitive || type.IsEnum || TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));
    }

    private static Type? MapValueType(Type type) =>
        type.IsGenericType && type.GetGenericArguments() is [var key, var value] && key == typeof(string)
        && type.GetGenericTypeDefinition() is var definition
        && (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            ? value
            : null;

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
            return type.GetElementType();
        if (!type.IsGenericType || type.GetGenericArguments() is not [var element])
            return null;
        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(ICollection<>) || definition == typeof(IEnumerable<>)
               || definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(HashSet<>) || definition == typeof(ISet<>)
            ? element
            : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private enum Shape { Value, ValueList, Group, GroupList, Map }

    /// <summary>One key's shape: a value, a list of values, a group of named keys, or a list or map of one shape.</summary>
    private sealed class Node
    {
        private Node(Shape shape, Node? item = null) => (Shape, Item) = (shape, item);

        public Shape Shape { get; }

        /// <summary>The shape of each entry of a list or map.</summary>
        public Node? Item { get; }

        /// <summary>A group's keys; configuration keys ignore case, as the binder does.</summary>
        public Dictionary<string, Node> Members { get; } = new(StringComparer.OrdinalIgnoreCase);

        public static Node Value() => new(Shape.Value);
        public static Node ValueList() => new(Shape.ValueList, Value());
        public static Node Group() => new(Shape.Group);
        public static Node GroupList(Node item) => new(Shape.GroupList, item);
        public static Node Map(Node item) => new(Shape.Map, item);

        /// <summary>Adds <paramref name="node"/> at <paramref name="path"/> below this group; groups met on the way are merged.</summary>
        public void Add(ReadOnlySpan<string> path, Node node)
        {
            if (path.IsEmpty)
            {
                if (node.Shape is Shape.Group)
                    foreach (var (name, member) in node.Members)
                        Add([name], member);
                return;
            }
            if (!Members.TryGetValue(path[0], out var existing) && path.Length == 1)
                Members[path[0]] = node;
            else if (existing is null)
                (Members[path[0]] = Group()).Add(path[1..], node);
            // A key two option types read with different shapes keeps the first; the binder reads it for each anyway.
            else if (existing.Shape is Shape.Group)
                existing.Add(path[1..], node);
        }
    }
}

/// <summary>What a configuration holds that the option types do not read as it stands.</summary>
/// <param name="UnknownKeys">Keys with a value that no option type reads, each with the nearest known key.</param>
/// <param name="CommaSeparatedLists">Keys of lists of values that hold one value themselves, e.g. "10.0.0.10:53,10.0.0.11:53".</param>
public sealed record SettingsFindings(IReadOnlyList<(string Key, string Nearest)> UnknownKeys, IReadOnlyList<string> CommaSeparatedLists);
