using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>
/// The parallel query shapes for 1–25 types: <c>ParallelQuery</c> with a delegate (with and without the entity),
/// <c>InlineParallelQuery</c> and <c>InlineParallelEntityQuery</c>; each hands a per-chunk action
/// (<see cref="ParallelActionsEmitter"/>) to the parallel runner.
/// </summary>
internal sealed class ParallelQueriesEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "World.ParallelQueries.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("public sealed partial class World\n{");
        for (int n = 1; n <= Arity.QueryMax; n++)
        {
            string t = TypeParams(n);
            string typeDocs = TypeDocs(n, "A component type every matching archetype has.");
            // The blank line before the closing quotes is the script's: two blank lines between arities.
            file.Block($$"""
                    /// <summary>Calls <paramref name="forEach"/> for every matching entity with its components, chunks spread over worker threads.</summary>
                {{typeDocs}}    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
                    /// <param name="forEach">The callback; it runs on several threads at once. Structural changes inside it throw.</param>
                    public void ParallelQuery<{{t}}>(in QueryDescription description, ForEach<{{t}}> forEach)
                    {
                        var holder = ParallelRunner.Holder<DelegateAction<{{t}}>>();
                        holder.Action = new DelegateAction<{{t}}>(forEach, ChangeVersion);
                        RunParallel(in description, holder);
                    }

                    /// <summary>Calls <paramref name="forEach"/> for every matching entity with the entity and its components, chunks spread over worker threads.</summary>
                {{typeDocs}}    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
                    /// <param name="forEach">The callback; it runs on several threads at once. Structural changes inside it throw.</param>
                    public void ParallelQuery<{{t}}>(in QueryDescription description, ForEachWithEntity<{{t}}> forEach)
                    {
                        var holder = ParallelRunner.Holder<EntityDelegateAction<{{t}}>>();
                        holder.Action = new EntityDelegateAction<{{t}}>(forEach, ChangeVersion);
                        RunParallel(in description, holder);
                    }

                    /// <summary>Runs a struct callback for every matching entity, chunks spread over worker threads; <c>Update</c> inlines.</summary>
                    /// <typeparam name="TForEach">The callback struct; each chunk runs on its own copy, so state it writes is not returned.</typeparam>
                {{typeDocs}}    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
                    /// <param name="iterator">The callback's initial state.</param>
                    public void InlineParallelQuery<TForEach, {{t}}>(in QueryDescription description, ref TForEach iterator)
                        where TForEach : struct, IForEach<{{t}}>
                    {
                        var holder = ParallelRunner.Holder<InlineAction<TForEach, {{t}}>>();
                        holder.Action = new InlineAction<TForEach, {{t}}>(iterator, ChangeVersion);
                        RunParallel(in description, holder);
                    }

                    /// <summary>Like <c>InlineParallelQuery</c>, passing the entity handle too.</summary>
                    /// <typeparam name="TForEach">The callback struct; each chunk runs on its own copy, so state it writes is not returned.</typeparam>
                {{typeDocs}}    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
                    /// <param name="iterator">The callback's initial state.</param>
                    public void InlineParallelEntityQuery<TForEach, {{t}}>(in QueryDescription description, ref TForEach iterator)
                        where TForEach : struct, IForEachWithEntity<{{t}}>
                    {
                        var holder = ParallelRunner.Holder<InlineEntityAction<TForEach, {{t}}>>();
                        holder.Action = new InlineEntityAction<TForEach, {{t}}>(iterator, ChangeVersion);
                        RunParallel(in description, holder);
                    }

                """);
        }

        return file.Text("}").ToString();
    }
}
