using System.Globalization;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Backend.Http;

/// <summary>
/// Parses route and query values by hand, so a malformed one is a 400 that names the parameter (the framework's
/// binder would answer 404 for a failed route constraint, or name .NET types in its message).
/// </summary>
internal static class RequestValues
{
    /// <summary>A <c>userId</c> route value: a positive 64-bit integer.</summary>
    public static long UserId(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long id) && id > 0
            ? id
            : throw OnlineException.Invalid("userId must be a positive integer.");

    /// <summary>An optional integer query parameter; absent is null.</summary>
    public static int? QueryInt(HttpRequest request, string name)
    {
        long? value = QueryLong(request, name);
        return value is null ? null
            : value is >= int.MinValue and <= int.MaxValue ? (int)value.Value
            : throw OnlineException.Invalid($"{name} is out of range.");
    }

    /// <summary>An optional 64-bit integer query parameter; absent is null.</summary>
    public static long? QueryLong(HttpRequest request, string name)
    {
        if (!request.Query.TryGetValue(name, out var values))
        {
            return null;
        }
        if (values.Count != 1)
        {
            throw OnlineException.Invalid($"{name} must be given once.");
        }
        return long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw OnlineException.Invalid($"{name} must be an integer.");
    }

    /// <summary>An optional string query parameter; absent is null.</summary>
    public static string? QueryString(HttpRequest request, string name)
    {
        if (!request.Query.TryGetValue(name, out var values))
        {
            return null;
        }
        return values.Count == 1 ? values[0] : throw OnlineException.Invalid($"{name} must be given once.");
    }
}
