using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Schema;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// Custom resources: pruned to their structural schema (unknown fields are a 400 under fieldValidation=Strict and
/// a warning under Warn), defaulted, then validated against the schema. Updates need a resourceVersion.
/// </summary>
internal sealed class CustomResourceStrategy : ObjectStrategy
{
    public CustomResourceStrategy()
    {
        Generation = GenerationPolicy.AllButMetadata;
        AllowUnconditionalUpdate = false;
        ReturnDeletedObject = true;
    }

    public override void Decode(ServedVersion version, JsonObject obj, DecodeContext context)
    {
        if (version.Schema is not { } schema)
        {
            return;
        }
        var unknown = new List<string>();
        SchemaPruner.PruneObject(obj, schema, unknown);
        if (unknown.Count > 0)
        {
            switch (context.Validation)
            {
                case FieldValidation.Strict:
                    throw ApiError.BadRequest("strict decoding error: " + string.Join(", ", unknown.Select(f => $"unknown field \"{f}\"")));
                case FieldValidation.Warn:
                    context.Warnings.AddRange(unknown.Select(f => $"unknown field \"{f}\""));
                    break;
            }
        }
        SchemaDefaulter.Apply(obj, schema);
    }

    public override void Validate(ServedVersion version, JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        if (version.Schema is { } schema)
        {
            SchemaValidator.ValidateObject(obj, schema, errors);
        }
    }
}
