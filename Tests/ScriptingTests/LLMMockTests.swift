import Foundation
import Testing

extension Live {
    /// `examples/llm.lua` as the official `openai` Python client sees it: streamed and
    /// not, with usage, the model echoed, a length limit, and its errors.
    @Suite(.enabled(if: Python.has("openai")), .timeLimit(.minutes(1)))
    struct LLMMockTests {
        static let llm = "file:" + Repository.path("examples/llm.lua")
        static let answer =
            "Server-Sent Events push text from a server to a client over plain HTTP, "
            + "one event at a time, and the browser reconnects by itself."

        /// Runs `source` with `client`, an `openai.OpenAI` pointed at the mock, and the
        /// answer as `answer`; returns what it prints.
        static func openAI(_ source: String) async throws -> String {
            try await withLiveServer(script: llm) { live in
                let prelude = """
                    import sys, json, openai
                    client = openai.OpenAI(base_url=sys.argv[1], api_key="not-needed", max_retries=0)
                    answer = sys.argv[2]
                    messages = [{"role": "user", "content": "What is SSE, in one sentence?"}]

                    """
                let result = try await onOwnThread { try Python.run(prelude + source, [live.url("/v1"), answer]) }
                #expect(result.status == 0, "\(result.errors)")
                return result.output
            }
        }

        @Test func aStreamedReplyAssemblesWithUsageLastAndTheModelEchoed() async throws {
            let output = try await Self.openAI(
                """
                stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True,
                                                        stream_options={"include_usage": True})
                chunks = list(stream)
                text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
                assert text == answer, text
                assert chunks[0].choices[0].delta.role == "assistant"
                assert {c.model for c in chunks} == {"gpt-4o-mini"}, "the model is echoed"
                assert {c.object for c in chunks} == {"chat.completion.chunk"}
                assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")
                finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
                assert finishes[-1] == "stop" and set(finishes[:-1]) == {None}, finishes
                assert all(c.usage is None for c in chunks[:-1])
                last = chunks[-1]
                assert last.choices == [] and last.usage.completion_tokens == len(answer.split())
                assert last.usage.prompt_tokens == 6 and last.usage.total_tokens == 6 + len(answer.split())
                print(len(chunks))
                """)
            // The role chunk, one per word, the finish chunk and the usage chunk.
            #expect(output == "\(Self.answer.split(separator: " ").count + 3)\n")
        }

        @Test func aReplyWithoutStreamIsOneChatCompletion() async throws {
            let output = try await Self.openAI(
                """
                reply = client.chat.completions.create(model="llama3", messages=messages)
                assert reply.object == "chat.completion" and reply.model == "llama3"
                choice = reply.choices[0]
                assert choice.message.role == "assistant" and choice.message.content == answer
                assert choice.finish_reason == "stop" and choice.index == 0
                assert reply.usage.prompt_tokens == 6 and reply.usage.completion_tokens == len(answer.split())
                raw = client.chat.completions.with_raw_response.create(model="x", messages=messages, stream=False)
                print(raw.headers["content-type"])
                """)
            #expect(output == "application/json\n")
        }

        @Test func maxTokensCutsTheReplyWithFinishReasonLength() async throws {
            let output = try await Self.openAI(
                """
                reply = client.chat.completions.create(model="m", messages=messages, max_tokens=3)
                assert reply.choices[0].finish_reason == "length" and reply.usage.completion_tokens == 3
                stream = client.chat.completions.create(model="m", messages=messages, stream=True, max_tokens=3)
                chunks = list(stream)
                assert chunks[-1].choices[0].finish_reason == "length"
                print(reply.choices[0].message.content + "|" + "".join(c.choices[0].delta.content or "" for c in chunks))
                """)
            #expect(output == "Server-Sent Events push |Server-Sent Events push \n")
        }

        @Test func badRequestsRaiseTheClientsBadRequestError() async throws {
            let output = try await Self.openAI(
                """
                for bad in ([], None):
                    try:
                        client.chat.completions.create(model="m", messages=bad)
                        print("accepted")
                    except openai.BadRequestError as error:
                        print(error.status_code, error.body["message"], error.body["param"])
                """)
            #expect(output == String(repeating: "400 'messages' must be a non-empty array messages\n", count: 2))
        }
    }
}
