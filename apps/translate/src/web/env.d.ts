declare module '*.safetensors?url' {
  const url: string;
  export default url;
}
