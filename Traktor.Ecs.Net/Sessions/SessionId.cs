namespace Traktor.Ecs.Net.Sessions;

/// <summary>Identifies a session (<c>joinSession(id)</c>); random, so ids cannot be guessed from each other.</summary>
/// <param name="Value">The id.</param>
public readonly record struct SessionId(Guid Value)
{
    /// <summary>A fresh random id.</summary>
    /// <returns>The id.</returns>
    public static SessionId New() => new(Guid.NewGuid());

    /// <summary>Parses the text form (<see cref="ToString"/>).</summary>
    /// <param name="text">The text.</param>
    /// <param name="id">The id, when valid.</param>
    /// <returns>True when valid.</returns>
    public static bool TryParse(string? text, out SessionId id)
    {
        bool ok = Guid.TryParseExact(text, "N", out var value);
        id = new SessionId(value);
        return ok;
    }

    /// <summary>The 16 bytes carried in a connect token's user data.</summary>
    /// <param name="destination">At least 16 bytes.</param>
    public void WriteBytes(Span<byte> destination) => Value.TryWriteBytes(destination);

    /// <summary>Reads an id from a connect token's user data.</summary>
    /// <param name="source">The user data.</param>
    /// <param name="id">The id, when at least 16 bytes are present.</param>
    /// <returns>True when present.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out SessionId id)
    {
        id = source.Length >= 16 ? new SessionId(new Guid(source[..16])) : default;
        return source.Length >= 16;
    }

    /// <inheritdoc />
    public override string ToString() => Value.ToString("N");
}
