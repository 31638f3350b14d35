using System.Reflection;
using CertFleet.Interfaces.Api;
using Orleans;

namespace CertFleet.Api.Tests;

/// <summary>The Orleans wire contract rules of the API records, checked for every record so new ones follow them.</summary>
public sealed class SerializationContractTests
{
    private static readonly Type[] Records = typeof(Certificate).Assembly.GetTypes()
        .Where(type => type.Namespace == typeof(Certificate).Namespace && type.GetMethod("<Clone>$") is not null)
        .OrderBy(type => type.Name, StringComparer.Ordinal)
        .ToArray();

    [Fact]
    public void EveryRecordHasAGeneratedSerializerAndAPinnedAlias()
    {
        Assert.NotEmpty(Records);
        foreach (var record in Records)
        {
            Assert.True(record.IsSealed, $"{record.Name} should be sealed");
            Assert.True(record.GetCustomAttribute<GenerateSerializerAttribute>() is not null, $"{record.Name} lacks [GenerateSerializer]");
            Assert.Equal($"certfleet.api.{record.Name}", record.GetCustomAttribute<AliasAttribute>()?.Alias);
        }
    }

    [Fact]
    public void EveryPropertyHasItsOwnId()
    {
        foreach (var record in Records)
        {
            var properties = record.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(property => property.Name != "EqualityContract")
                .ToArray();
            var ids = properties.Select(property => property.GetCustomAttribute<IdAttribute>()?.Id).ToArray();
            Assert.DoesNotContain(null, ids);
            Assert.Equal(ids.Length, ids.Distinct().Count());
        }
    }

    [Fact]
    public void ImmutableRecordsHoldOnlyImmutableValues()
    {
        // Orleans skips copying [Immutable] values, so a list inside one would be shared between caller and grain.
        var violations = Records
            .Where(record => record.GetCustomAttribute<ImmutableAttribute>() is not null)
            .SelectMany(record => record.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(property => property.Name != "EqualityContract" && !IsImmutableValue(property.PropertyType))
                .Select(property => $"{record.Name}.{property.Name}"))
            .ToList();
        Assert.Empty(violations);
    }

    private static bool IsImmutableValue(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type == typeof(string) || type == typeof(DateTimeOffset)
            || (Records.Contains(type) && type.GetCustomAttribute<ImmutableAttribute>() is not null);
    }
}
