namespace Traktor.Ecs.Net.Sessions;

/// <summary>Identifies a session (<c>joinSession(id)</c>); random, so ids cannot be guessed from each other.</summary>
/// <param name="Value">The id.</param>
[System.Text.Json.Serialization.JsonConverter(typeof(SessionIdJsonConverter))]
public readonly record struct SessionId(Guid Value)
{
    /// <summary>A fresh random id.</summary>
    /// <returns>The id.</returns>
    public static SessionId New() => new(Guid.NewGuid());

    /// <summary>Parses the text form (<see cref="ToString"/>: 32 hex digits).</summary>
    /// <param name="text">The text.</param>
    /// <param name="id">The id, when valid.</param>
    /// <returns>True when valid.</returns>
    public static bool TryParse(string? text, out SessionId id)
    {
        bool ok = Guid.TryParseExact(text, "N", out var value);
        id = new SessionId(value);
        return ok;
    }

    /// <inheritdoc />
    public override string ToString() => Value.ToString("N");
}
