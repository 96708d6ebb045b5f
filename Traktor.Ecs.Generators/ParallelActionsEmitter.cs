using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>
/// The per-chunk work of each parallel query shape for 1–25 types: one struct per shape, so the runner's call of
/// <c>Execute</c> and the callback inside it inline.
/// </summary>
internal sealed class ParallelActionsEmitter : IArityEmitter
{
    /// <inheritdoc />
    public string HintName => "World.ParallelActions.Arity.g.cs";

    /// <inheritdoc />
    public string Emit()
    {
        var file = new SourceFile().Text("// The per-chunk work of each parallel query shape (one struct per shape, so calls inline).\npublic sealed partial class World\n{");
        for (int n = 1; n <= Arity.QueryMax; n++)
        {
            string t = TypeParams(n);
            string columns = Lines(n, i => $"            ref T{i} r{i} = ref chunk.FirstForWrite<T{i}>(RequireQueryColumn<T{i}>(archetype), version);");
            string refs = Join(n, ", ", i => $"ref Unsafe.Add(ref r{i}, i)");
            file.Block($$"""
                    private readonly struct DelegateAction<{{t}}>(ForEach<{{t}}> forEach, uint version) : IChunkAction
                    {
                        public void Execute(ref Chunk chunk)
                        {
                            var archetype = chunk.Archetype;
                {{columns}}            for (int i = 0; i < chunk.Count; i++)
                            {
                                forEach({{refs}});
                            }
                        }
                    }

                    private readonly struct EntityDelegateAction<{{t}}>(ForEachWithEntity<{{t}}> forEach, uint version) : IChunkAction
                    {
                        public void Execute(ref Chunk chunk)
                        {
                            var archetype = chunk.Archetype;
                            var entities = chunk.EntityArray;
                {{columns}}            for (int i = 0; i < chunk.Count; i++)
                            {
                                forEach(entities[i], {{refs}});
                            }
                        }
                    }

                    private struct InlineAction<TForEach, {{t}}>(TForEach forEach, uint version) : IChunkAction
                        where TForEach : struct, IForEach<{{t}}>
                    {
                        private TForEach forEach = forEach;

                        public void Execute(ref Chunk chunk)
                        {
                            var archetype = chunk.Archetype;
                {{columns}}            for (int i = 0; i < chunk.Count; i++)
                            {
                                forEach.Update({{refs}});
                            }
                        }
                    }

                    private struct InlineEntityAction<TForEach, {{t}}>(TForEach forEach, uint version) : IChunkAction
                        where TForEach : struct, IForEachWithEntity<{{t}}>
                    {
                        private TForEach forEach = forEach;

                        public void Execute(ref Chunk chunk)
                        {
                            var archetype = chunk.Archetype;
                            var entities = chunk.EntityArray;
                {{columns}}            for (int i = 0; i < chunk.Count; i++)
                            {
                                forEach.Update(entities[i], {{refs}});
                            }
                        }
                    }
                """);
        }

        return file.Text("}").ToString("\nusing System.Runtime.CompilerServices;\n");
    }
}
