using Microsoft.Net.Http.Headers;
using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Backend.Endpoints;

/// <summary>
/// What a cloud-save write requires of the slot's current version, read from the HTTP preconditions
/// (<c>If-Match</c>, <c>If-None-Match</c>) or the legacy <c>expectedVersion</c> field. Versions travel as strong
/// entity tags: a slot at version <c>c016…</c> has <c>ETag: "c016…"</c>.
/// </summary>
/// <param name="ExpectedVersion">"" (none), "*" (only if absent) or an exact version, as <see cref="ICloudSave"/> takes it.</param>
/// <param name="RequireExisting">True for <c>If-Match: *</c>: the slot must exist, whatever its version.</param>
internal readonly record struct CloudSavePrecondition(string ExpectedVersion, bool RequireExisting)
{
    /// <summary>Whether the write carries any precondition at all.</summary>
    public bool IsPresent => !string.IsNullOrEmpty(ExpectedVersion) || RequireExisting;

    /// <summary>Reads a write's precondition; contradictory or unsupported combinations are a 400.</summary>
    /// <param name="request">The request.</param>
    /// <param name="legacyExpectedVersion">The <c>expectedVersion</c> of the body or query, or null.</param>
    /// <param name="allowIfAbsent">False for a delete, where "only if absent" makes no sense.</param>
    public static CloudSavePrecondition Read(HttpRequest request, string? legacyExpectedVersion, bool allowIfAbsent)
    {
        var ifMatch = request.GetTypedHeaders().IfMatch;
        var ifNoneMatch = request.GetTypedHeaders().IfNoneMatch;
        if (ifMatch.Count > 0 && ifNoneMatch.Count > 0)
        {
            throw OnlineException.Invalid("Send If-Match or If-None-Match, not both.");
        }
        CloudSavePrecondition fromHeaders = default;
        if (ifMatch.Count > 0)
        {
            if (ifMatch.Count != 1)
            {
                throw OnlineException.Invalid("If-Match must hold exactly one entity tag (or *).");
            }
            var tag = ifMatch[0];
            fromHeaders = tag.Equals(EntityTagHeaderValue.Any) ? new(CloudSaveVersion.Any, RequireExisting: true)
                // If-Match compares strongly (RFC 9110 §13.1.1): a weak tag never matches.
                : tag.IsWeak ? throw new OnlineException(OnlineError.VersionConflict, "A weak entity tag never matches If-Match.")
                : new(Unquote(tag), RequireExisting: false);
        }
        else if (ifNoneMatch.Count > 0)
        {
            if (ifNoneMatch.Count != 1 || !ifNoneMatch[0].Equals(EntityTagHeaderValue.Any))
            {
                throw OnlineException.Invalid("On a write, If-None-Match must be * (write only if the slot does not exist).");
            }
            if (!allowIfAbsent)
            {
                throw OnlineException.Invalid("If-None-Match: * (only if absent) makes no sense for a delete.");
            }
            fromHeaders = new(CloudSaveVersion.IfAbsent, RequireExisting: false);
        }
        string legacy = legacyExpectedVersion ?? CloudSaveVersion.Any;
        if (legacy.Length > 0 && fromHeaders.IsPresent && (fromHeaders.RequireExisting || fromHeaders.ExpectedVersion != legacy))
        {
            throw OnlineException.Invalid("expectedVersion and the HTTP precondition disagree; send one of them.");
        }
        return fromHeaders.IsPresent ? fromHeaders : new(legacy, RequireExisting: false);
    }

    /// <summary>Refuses a write without a precondition when the operator requires them (428).</summary>
    public void RequireIfConfigured(bool required)
    {
        if (required && !IsPresent)
        {
            throw new OnlineException(OnlineError.InvalidArgument,
                "This backend requires a precondition on cloud-save writes: If-Match with the slot's ETag, or If-None-Match: * to create it.")
            {
                ProblemType = OnlineProblemTypes.PreconditionRequired,
            };
        }
    }

    /// <summary>The strong entity tag of a version.</summary>
    public static string ETag(string version) => "\"" + version + "\"";

    private static string Unquote(EntityTagHeaderValue tag) => tag.Tag.Length >= 2 ? tag.Tag.Value![1..^1] : "";
}
