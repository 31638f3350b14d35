using System.Text.Json.Nodes;
using CertFleet.KubeEmulator.Api;
using CertFleet.KubeEmulator.Registry;
using CertFleet.KubeEmulator.Resources;
using CertFleet.KubeEmulator.Storage;

namespace CertFleet.KubeEmulator.Controllers;

/// <summary>Read-modify-write of one object on behalf of the emulator's controllers, retried on conflicts.</summary>
internal static class ObjectEdits
{
    private const int MaxAttempts = 16;

    public static ResourceTarget Target(ResourceType type, ObjectKey key, string? subresource = null) =>
        new(type, type.Storage, key.Namespace, key.Name, subresource);

    /// <summary>
    /// Applies <paramref name="edit"/> to the latest version and writes it; the edit returns false when there is
    /// nothing to change. A vanished object ends the edit quietly.
    /// </summary>
    public static void Edit(ResourceOperations operations, ResourceTarget target, Func<JsonObject, bool> edit)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            StoredObject current;
            try
            {
                current = operations.Get(target);
            }
            catch (ApiError e) when (e.Code == 404)
            {
                return;
            }
            var next = current.CloneAs(target.Version.ApiVersion);
            if (!edit(next))
            {
                return;
            }
            try
            {
                operations.Update(target, next, new WriteOptions(FieldValidation.Ignore), new DecodeContext(FieldValidation.Ignore));
                return;
            }
            catch (ApiError e) when (e.Code == 409)
            {
                // Someone wrote in between: edit the newer version.
            }
            catch (ApiError e) when (e.Code == 404)
            {
                return;
            }
        }
    }

    public static void RemoveFinalizer(ResourceOperations operations, ResourceTarget target, string finalizer) =>
        Edit(operations, target, obj =>
        {
            var finalizers = ObjectMeta.Finalizers(obj);
            if (!finalizers.Remove(finalizer))
            {
                return false;
            }
            ObjectMeta.SetFinalizers(obj, finalizers);
            return true;
        });

    /// <summary>Deletes the object with this uid (not a newer one of the same name).</summary>
    public static void Delete(ResourceOperations operations, ResourceTarget target, string uid, string propagation = "Background")
    {
        try
        {
            operations.Delete(target, new DeleteOptions(propagation, Uid: uid));
        }
        catch (ApiError e) when (e.Code is 404 or 409)
        {
            // Gone already, or replaced by a newer object of the same name.
        }
    }
}
