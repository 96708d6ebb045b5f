using System.Globalization;
using System.Text;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online.Sessions;

/// <summary>
/// Turns a <see cref="SessionFilter"/> into a parameterized WHERE clause over <c>sessions s</c> (values only ever travel
/// as parameters). The name test lower-cases both sides, which both databases do at least for ASCII.
/// </summary>
internal static class SessionFilterSql
{
    /// <summary>Live public sessions matching <paramref name="filter"/>.</summary>
    /// <param name="filter">The filter, or null.</param>
    /// <returns>The condition and its parameters.</returns>
    public static (string Where, List<(string, object?)> Parameters) Build(SessionFilter? filter)
    {
        var where = new StringBuilder("s.state = 0 AND s.visibility = 0");
        var parameters = new List<(string, object?)>();
        if (filter?.NameContains is { Length: > 0 } name)
        {
            where.Append(@" AND LOWER(s.name) LIKE @name ESCAPE '\'");
            parameters.Add(("@name", "%" + EscapeLike(name.ToLowerInvariant()) + "%"));
        }

        if (filter?.OnlyWithFreeSlots == true)
        {
            where.Append(" AND s.player_count < s.max_players");
        }

        int i = 0;
        foreach (var (key, value) in filter?.Properties ?? new Dictionary<string, string>())
        {
            string k = "@pk" + i.ToString(CultureInfo.InvariantCulture), v = "@pv" + i.ToString(CultureInfo.InvariantCulture);
            where.Append(CultureInfo.InvariantCulture,
                $" AND EXISTS (SELECT 1 FROM session_properties p WHERE p.session_id = s.id AND p.property_key = {k} AND p.property_value = {v})");
            parameters.Add((k, key));
            parameters.Add((v, value));
            i++;
        }

        return (where.ToString(), parameters);
    }

    private static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
