'use strict';
// The reviewable part of the bundled catalog: which LiteLLM entries become catalog models,
// under which upstream id, and which values are corrected. generate.js turns this into
// catalog/<kind>.yaml. Everything not listed here is left out on purpose; the `excluded`
// lines say why, so a reviewer can see the judgment without diffing the 800-entry source.
//
// An entry is either a LiteLLM id (taken as-is after the kind's prefix is stripped) or
// { src, id?, contextWindow?, pricing?, why?, keepDeprecated? }:
//   src            LiteLLM id in the kind's bucket of the reference file
//   id             upstream id when it differs from src minus prefix
//   contextWindow  corrected max input tokens
//   pricing        corrected {inputPerMTok, outputPerMTok}
//   why            reason for a correction or a derived entry; printed above the entry
//   keepDeprecated reason to keep an entry whose deprecation date is inside the horizon
// `notes` are paragraphs for the YAML header; `excluded` is flowing text whose items are
// separated by semicolons (generate.js prints one item per line).

/** Entries whose vendor retirement date is on or before this are refused (see generate.js). */
const RETIREMENT_HORIZON = '2026-06-30';

const SELECTION = {
  openai: {
    bucket: 'openai',
    notes: [
      'Undated aliases only (gpt-4o, not gpt-4o-2024-11-20): the dated snapshots are the same models.',
      'Mode "responses" (Responses-API-only models such as gpt-5-pro and the codex models) counts as chat.',
      'gpt-3.5-turbo is legacy but still served; it stays because the file format documentation uses it as the example of `models.exclude`.',
    ],
    excluded: [
      'ft:* fine-tunes; audio, realtime, search-preview/search-api, deep-research and computer-use models;',
      'gpt-4, gpt-4-turbo and *-preview (legacy); chatgpt-4o-latest and codex-mini-latest (retired aliases);',
      'text-embedding-ada-002-v2 (a LiteLLM alias, not an API id); openai/container (not a model).',
    ],
    models: [
      'gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano', 'gpt-5.4-pro',
      'gpt-5.3-chat-latest', 'gpt-5.3-codex',
      'gpt-5.2', 'gpt-5.2-chat-latest', 'gpt-5.2-codex', 'gpt-5.2-pro',
      'gpt-5.1', 'gpt-5.1-chat-latest', 'gpt-5.1-codex', 'gpt-5.1-codex-max', 'gpt-5.1-codex-mini',
      'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5-chat-latest', 'gpt-5-codex', 'gpt-5-pro',
      'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano',
      'gpt-4o', 'gpt-4o-mini',
      'o4-mini', 'o3', 'o3-pro', 'o3-mini', 'o1', 'o1-pro',
      'gpt-3.5-turbo',
      'text-embedding-3-large', 'text-embedding-3-small', 'text-embedding-ada-002',
    ],
  },

  anthropic: {
    bucket: 'anthropic',
    notes: [
      'Anthropic API aliases (claude-sonnet-4-5), not the dated ids they point at.',
    ],
    excluded: [
      'Claude 3.x (legacy); claude-sonnet-4 / claude-opus-4 (20250514): retire 2026-05-14, a month after this catalog.',
    ],
    models: [
      'claude-opus-4-6', 'claude-sonnet-4-6', 'claude-haiku-4-5',
      'claude-opus-4-5', 'claude-sonnet-4-5', 'claude-opus-4-1',
    ],
  },

  azure: {
    bucket: 'azure',
    prefix: 'azure/',
    notes: [
      'Ids are Azure OpenAI model names (what a deployment is created from); map them to your deployment names with config.deployments. Prices are LiteLLM\'s Azure base entries (global standard deployments).',
    ],
    excluded: [
      'eu/, us/, global/, global-standard/ duplicates; dated versions; audio, realtime and computer-use',
      'models; gpt-35-turbo, gpt-4, gpt-4-32k, gpt-4-turbo, gpt-4.5-preview, o1-mini, o1-preview (retired',
      'or legacy); mistral-large and command-r-plus (Azure AI Foundry serverless, not Azure OpenAI);',
      'ada (old alias of text-embedding-ada-002).',
    ],
    models: [
      'azure/gpt-5.4',
      { src: 'azure/gpt-5.4-mini', contextWindow: 272000, why: 'context window from the OpenAI entry; LiteLLM\'s Azure entry copies gpt-5.4\'s 1.05M' },
      { src: 'azure/gpt-5.4-nano', contextWindow: 272000, why: 'context window from the OpenAI entry; LiteLLM\'s Azure entry copies gpt-5.4\'s 1.05M' },
      'azure/gpt-5.4-pro',
      'azure/gpt-5.3-chat', 'azure/gpt-5.3-codex',
      'azure/gpt-5.2', 'azure/gpt-5.2-chat', 'azure/gpt-5.2-codex', 'azure/gpt-5.2-pro',
      'azure/gpt-5.1', 'azure/gpt-5.1-chat', 'azure/gpt-5.1-codex', 'azure/gpt-5.1-codex-max', 'azure/gpt-5.1-codex-mini',
      'azure/gpt-5', 'azure/gpt-5-mini', 'azure/gpt-5-nano', 'azure/gpt-5-chat', 'azure/gpt-5-codex',
      { src: 'azure/gpt-5-pro', contextWindow: 128000, why: 'context window from the OpenAI entry (272k is gpt-5-pro\'s max output, swapped)' },
      'azure/gpt-4.1', 'azure/gpt-4.1-mini', 'azure/gpt-4.1-nano',
      'azure/gpt-4o',
      {
        src: 'azure/gpt-4o-mini',
        pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
        why: 'global standard price (azure/global-standard/gpt-4o-mini); the base entry carries the regional price, unlike azure/gpt-4o',
      },
      'azure/o4-mini', 'azure/o3', 'azure/o3-pro', 'azure/o3-mini', 'azure/o1',
      'azure/text-embedding-3-large',
      {
        src: 'azure/text-embedding-3-small',
        keepDeprecated: 'Azure gives 2026-04-30 as a "no earlier than" retirement date for version 1; it is the only small v3 embedding on Azure. Add it to models.exclude once your region retires it.',
      },
      'azure/text-embedding-ada-002',
    ],
  },

  bedrock: {
    bucket: 'bedrock',
    notes: [
      'Base model ids as Bedrock lists them (ListFoundationModels). Some models are only callable on demand through a cross-region inference profile (us., eu., apac., global. prefix): declare that id as a custom model if you need it.',
      'The 31 entries without a price are all left out, none filled in: 28 are provisioned-throughput commitment rows for legacy Claude v1/v2/instant and Cohere Command text, 3 are TwelveLabs Pegasus (video, billed per second).',
    ],
    excluded: [
      'region- and profile-prefixed duplicates (us., eu., apac., au., jp., global., us-gov., bedrock/<region>/,',
      'bedrock_mantle/); Claude 3.x, v1, v2, instant; Claude 4 / Opus 4 20250514 (retire 2026-05-14);',
      'Titan Text, Llama 2, Llama 3 (not 3.x), Jamba Instruct, Jurassic-2, Mistral 7B / Mixtral / Large 2402 /',
      'Small 2402 / Large 2407 (legacy or superseded); Cohere Command text v14 (legacy); gpt-oss-safeguard',
      '(safety classifiers); Voxtral (audio); TwelveLabs Marengo (video embeddings, not per token);',
      'Titan Embed Text v1 and Image v1; Nova 2 Pro preview; DeepSeek R1 and Pixtral Large (profile-only, superseded).',
    ],
    models: [
      'anthropic.claude-opus-4-6-v1', 'anthropic.claude-sonnet-4-6',
      'anthropic.claude-haiku-4-5-20251001-v1:0',
      'anthropic.claude-opus-4-5-20251101-v1:0', 'anthropic.claude-sonnet-4-5-20250929-v1:0',
      'anthropic.claude-opus-4-1-20250805-v1:0',
      {
        src: 'us.amazon.nova-premier-v1:0',
        id: 'amazon.nova-premier-v1:0',
        why: 'LiteLLM lists Nova Premier only under its us. inference profile; same price as the base model',
      },
      'amazon.nova-pro-v1:0', 'amazon.nova-lite-v1:0', 'amazon.nova-micro-v1:0', 'amazon.nova-2-lite-v1:0',
      'amazon.titan-embed-text-v2:0', 'amazon.nova-2-multimodal-embeddings-v1:0',
      'cohere.command-r-plus-v1:0', 'cohere.command-r-v1:0',
      'cohere.embed-v4:0', 'cohere.embed-english-v3', 'cohere.embed-multilingual-v3',
      'deepseek.v3.2', 'deepseek.v3-v1:0',
      'google.gemma-3-27b-it', 'google.gemma-3-12b-it', 'google.gemma-3-4b-it',
      'meta.llama4-maverick-17b-instruct-v1:0', 'meta.llama4-scout-17b-instruct-v1:0',
      'meta.llama3-3-70b-instruct-v1:0',
      'meta.llama3-2-90b-instruct-v1:0', 'meta.llama3-2-11b-instruct-v1:0',
      'meta.llama3-2-3b-instruct-v1:0', 'meta.llama3-2-1b-instruct-v1:0',
      'meta.llama3-1-405b-instruct-v1:0', 'meta.llama3-1-70b-instruct-v1:0', 'meta.llama3-1-8b-instruct-v1:0',
      'minimax.minimax-m2.5', 'minimax.minimax-m2.1', 'minimax.minimax-m2',
      'mistral.mistral-large-3-675b-instruct', 'mistral.devstral-2-123b', 'mistral.magistral-small-2509',
      'mistral.ministral-3-14b-instruct', 'mistral.ministral-3-8b-instruct', 'mistral.ministral-3-3b-instruct',
      'moonshotai.kimi-k2.5', 'moonshot.kimi-k2-thinking',
      'nvidia.nemotron-super-3-120b', 'nvidia.nemotron-nano-3-30b',
      'nvidia.nemotron-nano-12b-v2', 'nvidia.nemotron-nano-9b-v2',
      'openai.gpt-oss-120b-1:0', 'openai.gpt-oss-20b-1:0',
      'qwen.qwen3-235b-a22b-2507-v1:0', 'qwen.qwen3-32b-v1:0',
      'qwen.qwen3-coder-480b-a35b-v1:0', 'qwen.qwen3-coder-30b-a3b-v1:0', 'qwen.qwen3-coder-next',
      'qwen.qwen3-next-80b-a3b', 'qwen.qwen3-vl-235b-a22b',
      'writer.palmyra-x5-v1:0', 'writer.palmyra-x4-v1:0',
      'zai.glm-5', 'zai.glm-4.7', 'zai.glm-4.7-flash',
      'ai21.jamba-1-5-large-v1:0', 'ai21.jamba-1-5-mini-v1:0',
    ],
  },

  google: {
    bucket: 'gemini',
    prefix: 'gemini/',
    notes: [
      'Gemini API (generativelanguage) model names. Prices are the base tier (prompts up to 200k).',
    ],
    excluded: [
      'gemini-3-pro-preview (shut down 2026-03-09, replaced by 3.1 Pro); gemini-2.0-flash(-lite) (retire',
      '2026-06-01); dated previews; *-latest aliases (moving pointers); native-audio, live, tts, computer-use,',
      'robotics, lyria, learnlm, exp models; Gemma (free tier only); gemini-1.5-flash (bogus embedding row).',
    ],
    models: [
      'gemini/gemini-3.1-pro-preview', 'gemini/gemini-3-flash-preview', 'gemini/gemini-3.1-flash-lite-preview',
      'gemini/gemini-2.5-pro', 'gemini/gemini-2.5-flash', 'gemini/gemini-2.5-flash-lite',
      'gemini/gemini-embedding-001', 'gemini/gemini-embedding-2-preview',
    ],
  },

  vertex: {
    bucket: 'vertex_ai',
    prefix: 'vertex_ai/',
    notes: [
      'Vertex AI publisher model ids (publishers/google/models/<id>). Base-tier prices.',
    ],
    excluded: [
      'same Gemini exclusions as the google kind; text-embedding-004 (retired 2026-01-14); experimental',
      'and preview-0409 embeddings; multimodalembedding (billed per image/character, not per token);',
      'MedLM (no price, allowlisted); gemini-flash-experimental (bogus embedding row).',
    ],
    models: [
      'gemini-3.1-pro-preview', 'gemini-3-flash-preview', 'gemini-3.1-flash-lite-preview',
      'gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite',
      'gemini-embedding-001', 'gemini-embedding-2-preview',
      'text-embedding-005', 'text-multilingual-embedding-002',
    ],
  },

  'vertex-anthropic': {
    bucket: 'vertex_ai_anthropic',
    prefix: 'vertex_ai/',
    notes: [
      'Vertex AI names Claude 4.6 models without a version suffix and older ones as <model>@<date> (per Anthropic\'s "Claude on Vertex AI" model table); LiteLLM\'s "@default" and bare pre-4.6 aliases are not ids Vertex documents.',
    ],
    excluded: [
      'Claude 3.x (legacy); Claude Sonnet 4 / Opus 4 (20250514 models, retiring).',
    ],
    models: [
      'vertex_ai/claude-opus-4-6', 'vertex_ai/claude-sonnet-4-6',
      'vertex_ai/claude-haiku-4-5@20251001',
      'vertex_ai/claude-opus-4-5@20251101', 'vertex_ai/claude-sonnet-4-5@20250929',
      'vertex_ai/claude-opus-4-1@20250805',
    ],
  },

  groq: {
    bucket: 'groq',
    prefix: 'groq/',
    notes: [
      'GroqCloud model ids, including their org/ prefixes (openai/gpt-oss-120b).',
    ],
    excluded: [
      'gemma-7b-it (retired); llama-guard-4-12b and gpt-oss-safeguard-20b (moderation classifiers).',
    ],
    models: [
      'groq/llama-3.3-70b-versatile', 'groq/llama-3.1-8b-instant',
      'groq/meta-llama/llama-4-maverick-17b-128e-instruct', 'groq/meta-llama/llama-4-scout-17b-16e-instruct',
      'groq/openai/gpt-oss-120b', 'groq/openai/gpt-oss-20b',
      'groq/moonshotai/kimi-k2-instruct-0905', 'groq/qwen/qwen3-32b',
    ],
  },

  cohere: {
    bucket: 'cohere',
    prefix: 'cohere/',
    notes: [
      'Cohere documents its chat models by their dated names (command-r-08-2024); the undated aliases command-r / command-r-plus are left out as duplicates.',
    ],
    excluded: [
      'command-light and embed-*-v2.0 (legacy); command-r / command-r-plus aliases (duplicates).',
    ],
    models: [
      'command-a-03-2025', 'command-r-plus-08-2024', 'command-r-08-2024',
      {
        src: 'command-r7b-12-2024',
        pricing: { inputPerMTok: 0.0375, outputPerMTok: 0.15 },
        why: 'LiteLLM has input and output swapped (0.15 / 0.0375); Cohere lists $0.0375 in / $0.15 out',
      },
      'cohere/embed-v4.0',
      'embed-english-v3.0', 'embed-english-light-v3.0', 'embed-multilingual-v3.0',
      {
        src: 'embed-multilingual-light-v3.0',
        pricing: { inputPerMTok: 0.1, outputPerMTok: 0 },
        why: 'LiteLLM says $100/Mtok (wrong); Cohere prices every Embed v3 model at $0.10/Mtok',
      },
    ],
  },

  deepseek: {
    bucket: 'deepseek',
    prefix: 'deepseek/',
    notes: [
      'The DeepSeek API accepts exactly two model ids; both run DeepSeek-V3.2.',
    ],
    excluded: [
      'deepseek-coder, deepseek-r1, deepseek-v3, deepseek-v3.2 (LiteLLM names, not API ids).',
    ],
    models: ['deepseek-chat', 'deepseek-reasoner'],
  },

  moonshot: {
    bucket: 'moonshot',
    prefix: 'moonshot/',
    notes: ['Moonshot (Kimi) API ids on api.moonshot.ai.'],
    excluded: [
      'kimi-k2-0711-preview (superseded by 0905); kimi-latest* and kimi-thinking-preview (retired aliases);',
      'moonshot-v1-*-0430 snapshots and *-vision-preview variants.',
    ],
    models: [
      'moonshot/kimi-k2.5', 'moonshot/kimi-k2-thinking', 'moonshot/kimi-k2-thinking-turbo',
      'moonshot/kimi-k2-turbo-preview', 'moonshot/kimi-k2-0905-preview',
      'moonshot/moonshot-v1-128k', 'moonshot/moonshot-v1-32k', 'moonshot/moonshot-v1-8k',
      'moonshot/moonshot-v1-auto',
    ],
  },

  'openai-compatible': {
    bucket: null,
    notes: [
      'Any OpenAI-compatible server: there is no catalog to bundle. Declare models under models.custom.',
    ],
    excluded: [],
    models: [],
  },
};

module.exports = { SELECTION, RETIREMENT_HORIZON };
