namespace Traktor.Ecs.Generators;

/// <summary>How many component types the variadic members take at most.</summary>
internal static class Arity
{
    /// <summary>Arch 2.x's templates stop at 25 (<c>Amount = 25</c>); code ported from Arch needs no more.</summary>
    public const int Max = 25;

    /// <summary>Queries (delegate, inline and parallel shapes alike) take 1..<see cref="QueryMax"/> components.</summary>
    public const int QueryMax = 25;
}
