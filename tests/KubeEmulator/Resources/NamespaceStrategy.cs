using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Json;

namespace CertFleet.KubeEmulator.Resources;

/// <summary>
/// Namespaces: born Active with the "kubernetes" finalizer in spec.finalizers, which holds a deleted namespace in
/// Terminating until the namespace controller has removed its contents and called /finalize.
/// </summary>
internal sealed class NamespaceStrategy : ObjectStrategy
{
    public const string ContentFinalizer = "kubernetes";
    private const string NameLabel = "kubernetes.io/metadata.name";

    public NamespaceStrategy()
    {
        NameRule = NameRule.Label;
        ReturnDeletedObject = true;
        TimeFields = [new TimeField("status.conditions[].lastTransitionTime")];
    }

    public override IReadOnlyList<string> ExtraSubresources => ["finalize"];

    public override void PrepareForCreate(JsonObject obj)
    {
        obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray(ContentFinalizer) };
        obj["status"] = new JsonObject { ["phase"] = "Active" };
        LabelWithName(obj);
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        // spec.finalizers change only through /finalize.
        obj["spec"] = old["spec"]?.DeepClone();
        LabelWithName(obj);
    }

    public override void UpdateSubresource(string subresource, JsonObject next, JsonObject request)
    {
        next.EnsureObject("spec")["finalizers"] = request.ArrayAt("spec", "finalizers")?.DeepClone() ?? new JsonArray();
    }

    public override bool HoldsDeletion(JsonObject obj) => obj.ArrayAt("spec", "finalizers") is { Count: > 0 };

    public override void PrepareForDeletion(JsonObject obj) => obj.EnsureObject("status")["phase"] = "Terminating";

    private static void LabelWithName(JsonObject obj) =>
        ObjectMeta.Of(obj).EnsureObject("labels")[NameLabel] = ObjectMeta.Name(obj);
}
